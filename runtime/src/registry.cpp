// The registry: an intrusive list of translation units, filled by static
// initialisers, and lookup indexes rebuilt lazily when that list changes.
#include "softpatch/registry.h"

#include "softpatch/internal/instrument.h"
#include "softpatch/internal/modules.h"
#include "softpatch/internal/registry_state.h"

#include "recorded_variables.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>

namespace softpatch {
namespace {

using internal::FunctionRecord;
using internal::RawFunction;
using internal::TranslationUnit;

// Constant-initialised, so registration works before main and in any order.
std::mutex registry_mutex;
TranslationUnit* first_unit = nullptr;
TranslationUnit* last_unit = nullptr;
std::uint64_t generation = 0;

// The project files of the last units unregistered, copied (a closed
// library's strings go with it) into fixed storage (unregistering never
// allocates). Under registry_mutex.
char departed[16][256];
std::uint64_t departures = 0;

// The files whose unit was left out for its version, copied as `departed`
// are, with that version (0: a unit from before versions). Under
// registry_mutex.
struct Refusal {
  char project_file[256];
  std::size_t version;
};
Refusal refusals[16];
std::uint64_t refusal_count = 0;

// A unit's first word: its version, or in a unit from before versions its
// `file` pointer, which no mapped address makes this small.
constexpr std::size_t kMaxUnitVersion = 0xffff;

// The last of the shapes units had before versions (slot.h counts them as 1
// to 3): what a unit without a version is called.
constexpr std::size_t kLastUnversionedShape = 3;

// The version of `unit` (0 for one before versions) and its project file,
// read where every version keeps them: nothing else of another version's
// unit can be trusted.
struct UnitHead {
  std::size_t version;
  const char* project_file;
};
UnitHead head_of(const TranslationUnit& unit) {
  if (unit.version <= kMaxUnitVersion) return {unit.version, unit.project_file};
  // Before versions: `file`, then `project_file`.
  const char* project_file = nullptr;
  std::memcpy(&project_file, reinterpret_cast<const unsigned char*>(&unit) + sizeof(const char*),
              sizeof project_file);
  return {0, project_file};
}

// "src/a.cpp was instrumented by another softpatch version (unit version 3,
// this runtime reads 4): rebuild it", into `out`; allocates nothing.
void describe_refusal(char* out, std::size_t size, const char* project_file, std::size_t version) {
  char seen[32];
  if (version)
    std::snprintf(seen, sizeof seen, "%zu", version);
  else
    std::snprintf(seen, sizeof seen, "%zu or older", kLastUnversionedShape);
  std::snprintf(out, size,
                "%s was instrumented by another softpatch version (unit version %s, this runtime "
                "reads %u): rebuild it",
                project_file && *project_file ? project_file : "a file", seen,
                static_cast<unsigned>(internal::kUnitVersion));
}

// Leaves `unit`, of another version, out, and says so on stderr: its
// functions run their own code. Nothing but its first fields is read, and
// nothing of it is written (its list links may be elsewhere, or absent).
void refuse(const TranslationUnit& unit) noexcept {
  UnitHead head = head_of(unit);
  char line[512];
  describe_refusal(line, sizeof line, head.project_file, head.version);
  std::fprintf(stderr, "softpatch: %s\n", line);
  std::lock_guard<std::mutex> lock(registry_mutex);
  Refusal& refusal = refusals[refusal_count++ % 16];
  std::snprintf(refusal.project_file, sizeof refusal.project_file, "%s",
                head.project_file ? head.project_file : "");
  refusal.version = head.version;
}

// Lookup tables over all registered functions, valid for one generation.
struct Index {
  std::uint64_t generation = ~std::uint64_t{0};
  std::vector<Function> all;
  std::unordered_map<std::string_view, Function> by_id;
  std::unordered_map<RawFunction, Function> by_address;
  // Registrations of an id in by_id with another slot than by_id's.
  std::unordered_multimap<std::string_view, Function> other_slots;
};

// Never calls into the dynamic loader: dlopen holds the loader's lock while
// it runs a library's static initialisers, which take registry_mutex.
Index& index_locked() {
  static Index* index = new Index;  // never destroyed: units unregister during exit
  if (index->generation == generation) return *index;
  index->all.clear();
  index->by_id.clear();
  index->by_address.clear();
  index->other_slots.clear();
  // A header's function is registered by every file that includes the
  // header, each time with the same id and slot: it is one function. Each
  // registration's address counts, since functions with internal linkage
  // have a copy per file.
  for (TranslationUnit* unit = first_unit; unit; unit = unit->next) {
    for (std::size_t i = 0; i < unit->function_count; ++i) {
      Function f(unit->functions[i], *unit);
      auto [first, added] = index->by_id.emplace(f.id(), f);
      if (added)
        index->all.push_back(f);
      else if (&first->second.slot() != &f.slot())
        index->other_slots.emplace(f.id(), f);
      if (RawFunction(*getter)() = f.record().address)
        index->by_address.emplace(getter(), first->second);
    }
  }
  index->generation = generation;
  return *index;
}

// "ns::C::f(int) const" -> "ns::C::f": drops the parameter list and what
// follows it, keeping operator() and function-pointer parameters intact.
std::string_view without_parameters(std::string_view name) {
  std::size_t close = name.rfind(')');
  if (close == std::string_view::npos) return name;
  int depth = 0;
  for (std::size_t i = close + 1; i-- > 0;) {
    if (name[i] == ')') ++depth;
    if (name[i] == '(' && --depth == 0) return name.substr(0, i);
  }
  return name;
}

// True when `query` is `name` or a suffix of it that starts after "::".
bool names_match(std::string_view name, std::string_view query) {
  if (name == query) return true;
  if (name.size() <= query.size() + 2) return false;
  return name.substr(name.size() - query.size()) == query &&
         name.substr(name.size() - query.size() - 2, 2) == "::";
}

Error not_found(std::string_view what, std::string_view key) {
  return Error{"softpatch: no instrumented function " + std::string(what) + std::string(key) +
               " (is its file built with softpatch_instrument?)"};
}

}  // namespace

namespace internal {

void register_unit(TranslationUnit* unit) noexcept {
  if (unit->version != kUnitVersion) return refuse(*unit);
  std::lock_guard<std::mutex> lock(registry_mutex);
  unit->prev = last_unit;
  unit->next = nullptr;
  (last_unit ? last_unit->next : first_unit) = unit;
  last_unit = unit;
  ++generation;
}

VariableGetter recorded_variable(std::string_view project_file, std::string_view name) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  for (TranslationUnit* unit = first_unit; unit; unit = unit->next) {
    if (project_file != unit->project_file) continue;
    for (std::size_t i = 0; i < unit->variable_count; ++i)
      if (name == unit->variables[i].name) return unit->variables[i].address;
  }
  return nullptr;
}

void unregister_unit(TranslationUnit* unit) noexcept {
  if (unit->version != kUnitVersion) return;  // refused: never in the list
  std::lock_guard<std::mutex> lock(registry_mutex);
  (unit->prev ? unit->prev->next : first_unit) = unit->next;
  (unit->next ? unit->next->prev : last_unit) = unit->prev;
  unit->prev = unit->next = nullptr;
  ++generation;
  char* slot = departed[departures++ % 16];
  std::strncpy(slot, unit->project_file ? unit->project_file : "", sizeof departed[0] - 1);
  slot[sizeof departed[0] - 1] = 0;
}

std::uint64_t unit_departures() noexcept {
  std::lock_guard<std::mutex> lock(registry_mutex);
  return departures;
}

bool while_no_departures_since(std::uint64_t count, const std::function<void()>& action) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  if (departures != count) return false;
  action();
  return true;
}

std::vector<const TranslationUnit*> units_of(std::string_view project_file) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  std::vector<const TranslationUnit*> units;
  for (TranslationUnit* unit = first_unit; unit; unit = unit->next)
    if (project_file == unit->project_file) units.push_back(unit);
  return units;
}

void for_each_unit(const std::function<void(const TranslationUnit&)>& visit) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  for (TranslationUnit* unit = first_unit; unit; unit = unit->next) visit(*unit);
}

std::optional<FunctionFacts> function_facts(std::string_view id) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  const Index& index = index_locked();
  auto it = index.by_id.find(id);
  if (it == index.by_id.end()) return std::nullopt;
  const Function& f = it->second;
  return FunctionFacts{&f.slot(), &f.unit(), f.name(), f.project_file(), f.signature(), f.flags()};
}

bool unit_departed(std::string_view project_file) noexcept {
  std::lock_guard<std::mutex> lock(registry_mutex);
  for (std::uint64_t i = 0; i < std::min<std::uint64_t>(departures, 16); ++i)
    if (project_file == departed[i]) return true;
  return false;
}

std::optional<std::string> unit_refused(std::string_view project_file) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  for (std::uint64_t i = 0; i < std::min<std::uint64_t>(refusal_count, 16); ++i)
    if (project_file == refusals[i].project_file) {
      char line[512];
      describe_refusal(line, sizeof line, refusals[i].project_file, refusals[i].version);
      return std::string(line);
    }
  return std::nullopt;
}

}  // namespace internal

RawFunction Function::address() const {
  if (record_->address) return record_->address();
  // Methods, private static members and friends defined in a class cannot
  // be named from the table the rewriter emits; their exported symbol still
  // finds them (a method's code takes the object pointer first).
  if (record_->flags & internal::kInternalLinkage) return nullptr;
  // A constructor's or destructor's symbol makes or destroys the object
  // whole: it is not the body a slot's target stands for.
  if (is_constructor_or_destructor()) return nullptr;
  void* handle = internal::open_module_holding(record_->slot);
  void* symbol = handle ? dlsym(handle, record_->id) : nullptr;
  if (handle) dlclose(handle);
  return reinterpret_cast<RawFunction>(symbol);
}

Result<Function> find_function(std::string_view name) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  std::vector<Function> candidates;
  for (const Function& f : index_locked().all) {
    if (name == f.name()) return f;
    if (names_match(f.name(), name) || names_match(without_parameters(f.name()), name))
      candidates.push_back(f);
  }
  if (candidates.size() == 1) return candidates.front();
  if (candidates.empty()) return not_found("named ", name);
  std::string message = "softpatch: '" + std::string(name) + "' is ambiguous; candidates:";
  for (const Function& f : candidates) message += std::string(" ") + f.name() + ";";
  message.pop_back();
  return Error{message};
}

Result<Function> find_function_by_id(std::string_view id) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  const Index& index = index_locked();
  auto it = index.by_id.find(id);
  if (it == index.by_id.end()) return not_found("with id ", id);
  return it->second;
}

namespace internal {

RawFunction own_code(const char* id) noexcept {
  try {
    Result<Function> function = find_function_by_id(id);
    if (!function) {
      function.ignore();
      return nullptr;
    }
    return function->address();
  } catch (...) {
    return nullptr;
  }
}

}  // namespace internal

Result<Function> find_function_at(RawFunction address) {
  std::vector<Function> by_symbol;  // found through the dynamic loader, outside the lock
  {
    std::lock_guard<std::mutex> lock(registry_mutex);
    const Index& index = index_locked();
    auto it = index.by_address.find(address);
    if (it != index.by_address.end()) return it->second;
    for (const Function& f : index.all)
      if (!f.record().address) by_symbol.push_back(f);
  }
  for (const Function& f : by_symbol)
    if (f.address() == address) return f;
  Dl_info info{};
  char where[512];
  if (dladdr(reinterpret_cast<void*>(address), &info) && info.dli_sname)
    std::snprintf(where, sizeof where, "%s (in %s)", info.dli_sname, info.dli_fname);
  else
    std::snprintf(where, sizeof where, "%p", reinterpret_cast<void*>(address));
  return not_found("at the address of ", where);
}

std::vector<Function> other_slots_of(const Function& function) {
  std::lock_guard<std::mutex> lock(registry_mutex);
  Index& index = index_locked();
  std::vector<Function> others;
  auto add = [&](const Function& f) {  // one per slot: each file of a library registers it
    bool known = &f.slot() == &function.slot() ||
                 std::any_of(others.begin(), others.end(),
                             [&](const Function& o) { return &o.slot() == &f.slot(); });
    if (!known) others.push_back(f);
  };
  if (auto first = index.by_id.find(function.id()); first != index.by_id.end()) add(first->second);
  auto [begin, end] = index.other_slots.equal_range(function.id());
  for (auto it = begin; it != end; ++it) add(it->second);
  return others;
}

std::string plain_copy_of(const Function& function) {
  // The tag is "B9softpatch" after the function's name in its mangled id.
  static constexpr char kTag[] = "B9softpatch";
  std::string plain = function.id();
  std::size_t at = plain.find(kTag);
  if (at == std::string::npos || plain.rfind("_Z", 0) != 0) return "";
  plain.erase(at, sizeof kTag - 1);
  void* copy = dlsym(RTLD_DEFAULT, plain.c_str());
  return copy ? internal::module_name_holding(copy) : "";
}

std::vector<Function> functions() {
  std::lock_guard<std::mutex> lock(registry_mutex);
  return index_locked().all;
}

std::vector<Variable> variables(std::string_view file) {
  std::vector<const internal::VariableRecord*> records;
  {
    std::lock_guard<std::mutex> lock(registry_mutex);
    for (TranslationUnit* unit = first_unit; unit; unit = unit->next) {
      if (file != unit->file && file != unit->project_file) continue;
      for (std::size_t i = 0; i < unit->variable_count; ++i) records.push_back(&unit->variables[i]);
    }
  }
  // Getters run outside the lock: a thread_local's first use in a thread
  // may allocate its storage through the dynamic loader.
  std::vector<Variable> found;
  for (const internal::VariableRecord* v : records)
    found.push_back({v->name, v->type, v->address(), v->is_thread_local});
  return found;
}

}  // namespace softpatch

extern "C" __attribute__((tls_model("initial-exec"))) __thread const void* __softpatch_bypass =
    nullptr;
extern "C" __attribute__((tls_model("initial-exec"))) __thread const void* __softpatch_resume =
    nullptr;

namespace softpatch::internal {

void bypass_once(const Slot& slot) noexcept { __softpatch_bypass = &slot; }

void resume_body_once(const void* object) noexcept { __softpatch_resume = object; }

}  // namespace softpatch::internal
