#include "manifest_check.h"

#include <dlfcn.h>
#include <link.h>

#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <utility>

#include "messages.h"
#include "running_code.h"
#include "softpatch/changes/code_changes.h"
#include "softpatch/internal/modules.h"
#include "softpatch/internal/registry_state.h"
#include "softpatch/loader.h"
#include "softpatch/registry.h"

namespace softpatch {
namespace {

using internal::PatchManifest;

// More functions than any source file has: a count beyond it is corruption.
constexpr std::size_t kMaxEntries = 1 << 20;

// The build id of the module holding `unit`, cached per unit until a unit
// goes away (a library closed and rebuilt may come back at the same place).
std::string build_id_of(const internal::TranslationUnit& unit) {
  static std::mutex mutex;
  static std::map<const internal::TranslationUnit*, std::string> known;
  static std::uint64_t known_since = 0;
  std::lock_guard<std::mutex> lock(mutex);
  if (std::uint64_t departures = internal::unit_departures(); departures != known_since) {
    known.clear();
    known_since = departures;
  }
  auto [it, inserted] = known.emplace(&unit, "");
  if (inserted) it->second = module_build_id(&unit);
  return it->second;
}

// The manifest's strings and arrays, each checked to lie in the module.
struct ReadManifest {
  struct Function {
    std::string_view id, signature;
    internal::RawFunction (*entry)();
    internal::RawFunction* import;
    unsigned flags;
  };
  struct Layout {
    std::string_view name, fingerprint;
  };
  std::string_view build_id, project_file;
  std::vector<Function> functions;
  std::vector<Layout> layouts;
  unsigned flags = 0;
  std::vector<CodeFingerprint> code;
  bool carries_code = false;
};

template <class T>
bool holds_array(const ModuleMemory& memory, const T* items, std::size_t count) {
  if (count == 0) return true;
  return count <= kMaxEntries && reinterpret_cast<std::uintptr_t>(items) % alignof(T) == 0 &&
         memory.holds(items, count * sizeof(T));
}

// The string at `address` if it lies in the module and is one line of text:
// manifest strings end up in one-line messages and the agent's replies.
std::optional<std::string_view> text_at(const ModuleMemory& memory, const char* address) {
  std::optional<std::string_view> text = memory.string_at(address);
  if (!text || first_control_character(*text) != std::string_view::npos) return std::nullopt;
  return text;
}

Result<ReadManifest> read(const std::string& path, const PatchManifest& manifest,
                          const ModuleMemory& memory) {
  if (!holds_array(memory, &manifest, 1))
    return refused(path, "not a softpatch patch (its manifest is not in it)");
  if (manifest.version != internal::kManifestVersion)
    return refused(path, "manifest version " + std::to_string(manifest.version) +
                             ", this program reads version " +
                             std::to_string(internal::kManifestVersion));
  auto corrupt = [&](const std::string& what) {
    return refused(path, "corrupt manifest (" + what + ")");
  };
  ReadManifest out;
  std::optional<std::string_view> build_id = text_at(memory, manifest.build_id);
  std::optional<std::string_view> project_file = text_at(memory, manifest.project_file);
  if (!build_id || !project_file) return corrupt("build id or file name");
  out.build_id = *build_id;
  out.project_file = *project_file;
  out.flags = manifest.flags;
  if (!holds_array(memory, manifest.functions, manifest.function_count))
    return corrupt(std::to_string(manifest.function_count) + " functions");
  std::set<std::string_view> ids;
  for (std::size_t i = 0; i < manifest.function_count; ++i) {
    const internal::PatchFunction& entry = manifest.functions[i];
    std::optional<std::string_view> id = text_at(memory, entry.id);
    std::optional<std::string_view> signature = text_at(memory, entry.signature);
    if (!id || !signature) return corrupt("function " + std::to_string(i + 1));
    if (!ids.insert(*id).second) return corrupt(std::string(*id) + " listed twice");
    if (entry.entry && !memory.holds_code(reinterpret_cast<const void*>(entry.entry)))
      return corrupt("entry of " + std::string(*id));
    if (entry.import && (reinterpret_cast<std::uintptr_t>(entry.import) % alignof(void*) != 0 ||
                         !memory.holds(entry.import, sizeof *entry.import)))
      return corrupt("import of " + std::string(*id));
    if ((entry.flags & ~(internal::kBuildCode | internal::kNothrow)) ||
        ((entry.flags & internal::kBuildCode) && (entry.entry || entry.import)))
      return corrupt("flags of " + std::string(*id));
    out.functions.push_back({*id, *signature, entry.entry, entry.import, entry.flags});
  }
  if (!holds_array(memory, manifest.layouts, manifest.layout_count))
    return corrupt(std::to_string(manifest.layout_count) + " class layouts");
  for (std::size_t i = 0; i < manifest.layout_count; ++i) {
    std::optional<std::string_view> name = text_at(memory, manifest.layouts[i].name);
    std::optional<std::string_view> fingerprint = text_at(memory, manifest.layouts[i].fingerprint);
    if (!name || !fingerprint) return corrupt("class layout " + std::to_string(i + 1));
    out.layouts.push_back({*name, *fingerprint});
  }
  if (manifest.fingerprint_count) {
    if (!holds_array(memory, manifest.fingerprints, manifest.fingerprint_count))
      return corrupt(std::to_string(manifest.fingerprint_count) + " code fingerprints");
    for (std::size_t i = 0; i < manifest.fingerprint_count; ++i) {
      const internal::FingerprintRecord& record = manifest.fingerprints[i];
      for (const char* text : {record.kind, record.key, record.name, record.detail, record.hash})
        if (!text_at(memory, text)) return corrupt("code fingerprint " + std::to_string(i + 1));
    }
    Result<std::vector<CodeFingerprint>> code =
        code_of_records(manifest.fingerprints, manifest.fingerprint_count);
    if (!code) return corrupt(code.take_error().message);
    out.code = std::move(*code);
    out.carries_code = true;
  }
  return out;
}

// The edited file's code with the kind the build gave each piece it knows:
// what runs decides (a function the build could not give a slot has none
// after a patch either, whatever the patch's parse says).
std::vector<CodeFingerprint> with_built_kinds(const internal::TranslationUnit& unit,
                                              std::vector<CodeFingerprint> code) {
  Result<std::vector<CodeFingerprint>> built =
      code_of_records(unit.fingerprints, unit.fingerprint_count);
  if (!built) {
    built.ignore();
    return code;
  }
  std::map<std::string, CodeKind> kinds;
  for (const CodeFingerprint& piece : *built) kinds.emplace(piece.key, piece.kind);
  for (CodeFingerprint& piece : code)
    if (auto known = kinds.find(piece.key); known != kinds.end()) piece.kind = known->second;
  return code;
}

// What the edit changes, compared with the code that runs (a refusal when it
// cannot go live); nothing when the manifest does not carry its code.
std::optional<CodeChanges> changes_of(const internal::TranslationUnit& unit,
                                      const ReadManifest& manifest,
                                      const PatchedCode& patched_code) {
  if (!manifest.carries_code) return std::nullopt;
  std::optional<std::vector<CodeFingerprint>> running = patched_code(manifest.project_file);
  if (!running) {
    Result<std::vector<CodeFingerprint>> built =
        code_of_records(unit.fingerprints, unit.fingerprint_count);
    if (!built) {
      CodeChanges corrupt;
      corrupt.refusal = "the running file's code records are corrupt (" + built.error() + ")";
      return corrupt;
    }
    running = std::move(*built);
  }
  return compare(*running, manifest.code);
}

// What a refusal says of a type whose layout the patch sees otherwise: an
// enum's fingerprint begins "enum of", a class's "size".
std::string layout_change(std::string_view name, std::string_view from, std::string_view to,
                          std::string_view why_from = "") {
  std::string kind = to.rfind("enum of", 0) == 0      ? "enum "
                     : to.rfind("enumerator", 0) == 0 ? "enumerator "
                                                      : "class ";
  return kind + std::string(name) + " changed its layout from '" + std::string(from) + "'" +
         std::string(why_from) + " to '" + std::string(to) + "'";
}

// A class whose layout the patch sees differently from the program's file.
std::optional<std::string> changed_layout(const internal::TranslationUnit& unit,
                                          const ReadManifest& manifest) {
  for (const ReadManifest::Layout& patched : manifest.layouts)
    for (std::size_t j = 0; j < unit.layout_count; ++j) {
      const internal::LayoutRecord& running = unit.layouts[j];
      if (patched.name == running.name && patched.fingerprint != running.fingerprint)
        return layout_change(patched.name, running.fingerprint, patched.fingerprint);
    }
  return std::nullopt;
}

// A class whose layout the patch sees as no file of the program does: a
// header's unit records none, and the patch's code may use classes of every
// header the file it was built from includes. (Files may spell one layout
// differently, a destructor's implicit noexcept seen or not: any file's
// will do.)
std::optional<std::string> changed_layout_anywhere(const ReadManifest& manifest) {
  std::map<std::string_view, std::set<std::string>> seen;
  for (const ReadManifest::Layout& patched : manifest.layouts) seen[patched.name];
  internal::for_each_unit([&](const internal::TranslationUnit& unit) {
    for (std::size_t j = 0; j < unit.layout_count; ++j)
      if (auto known = seen.find(unit.layouts[j].name); known != seen.end())
        known->second.insert(unit.layouts[j].fingerprint);
  });
  for (const ReadManifest::Layout& patched : manifest.layouts) {
    const std::set<std::string>& running = seen[patched.name];
    if (!running.empty() && !running.count(std::string(patched.fingerprint)))
      return layout_change(patched.name, *running.begin(), patched.fingerprint);
  }
  return std::nullopt;
}

// An instantiation of a template that the header patch `manifest` changes
// (it carries some of the template's instantiations: those the file it was
// built from has) that the program has and the patch does not carry: it
// would go on running the old code. Templates are told apart by the line
// their instantiations' records share (two on one line count as one: a
// refusal too many, never a switch too few).
std::optional<std::string> instantiation_left_behind(const ReadManifest& manifest) {
  std::set<std::string_view> carried;
  std::set<unsigned> lines;
  for (const ReadManifest::Function& entry : manifest.functions) {
    carried.insert(entry.id);
    if (entry.flags & internal::kBuildCode) continue;
    internal::for_each_unit([&](const internal::TranslationUnit& unit) {
      if (manifest.project_file != unit.project_file) return;
      for (std::size_t i = 0; i < unit.function_count; ++i)
        if ((unit.functions[i].flags & internal::kInstantiation) &&
            entry.id == unit.functions[i].id)
          lines.insert(unit.functions[i].line);
    });
  }
  std::optional<std::string> left;
  internal::for_each_unit([&](const internal::TranslationUnit& unit) {
    if (left || manifest.project_file != unit.project_file) return;
    for (std::size_t i = 0; !left && i < unit.function_count; ++i) {
      const internal::FunctionRecord& record = unit.functions[i];
      if ((record.flags & internal::kInstantiation) && lines.count(record.line) &&
          !carried.count(record.id))
        left = std::string(record.name) +
               " is instantiated by a file the patch was not built from, and would run the old "
               "code: restart needed";
    }
  });
  return left;
}

// A piece the header patch `manifest` changes that another file's record
// of the header says is unpatchable there (a template with an
// instantiation that has no slot in that file): its calls there would keep
// the old code.
std::optional<std::string> unpatchable_in_another_file(const ReadManifest& manifest) {
  std::map<std::string, std::string, std::less<>> patched;  // key -> hash
  for (const CodeFingerprint& piece : manifest.code) patched.emplace(piece.key, piece.hash);
  std::optional<std::string> refusal;
  internal::for_each_unit([&](const internal::TranslationUnit& unit) {
    if (refusal || manifest.project_file != unit.project_file) return;
    for (std::size_t i = 0; !refusal && i < unit.fingerprint_count; ++i) {
      const internal::FingerprintRecord& piece = unit.fingerprints[i];
      auto it = patched.find(std::string_view(piece.key));
      if (std::strcmp(piece.kind, "unpatchable") != 0 || it == patched.end() ||
          it->second == piece.hash)
        continue;
      refusal = std::string(piece.name) + " changed: a " + piece.detail +
                " is not patched live: restart needed";
    }
  });
  return refusal;
}

// The layouts earlier patches brought, by project file and class name.
std::mutex remembered_mutex;
std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>> remembered;

// A class whose layout an earlier patch of the file made differently.
std::optional<std::string> changed_since_earlier_patch(const ReadManifest& manifest) {
  std::lock_guard<std::mutex> lock(remembered_mutex);
  auto file = remembered.find(manifest.project_file);
  if (file == remembered.end()) return std::nullopt;
  for (const ReadManifest::Layout& patched : manifest.layouts) {
    auto earlier = file->second.find(patched.name);
    if (earlier != file->second.end() && earlier->second != patched.fingerprint)
      return layout_change(patched.name, earlier->second, patched.fingerprint,
                           " (as an earlier patch made it; its objects live on)");
  }
  return std::nullopt;
}

// A function of the running file that the patch no longer defines, when
// other files may call it (external linkage): they would go on calling the
// old code, or a function that no longer exists. File-local functions may
// go: every caller of theirs is in the patch.
std::optional<std::string> missing_function(const internal::TranslationUnit& unit,
                                            const ReadManifest& manifest) {
  std::set<std::string_view> defined;
  for (const ReadManifest::Function& f : manifest.functions) defined.insert(f.id);
  for (std::size_t i = 0; i < unit.function_count; ++i) {
    const internal::FunctionRecord& f = unit.functions[i];
    bool file_only = f.flags & (internal::kInternalLinkage | internal::kFileInstantiation);
    if (!file_only && !defined.count(f.id))
      return std::string(f.name) + " is no longer defined in " + unit.project_file +
             " (removed, or its parameters changed) and other files may call it";
  }
  return std::nullopt;
}

// `function` and its registrations with slots of their own (other_slots_of).
std::vector<Function> every_slot_of(const Function& function) {
  std::vector<Function> registrations = other_slots_of(function);
  registrations.insert(registrations.begin(), function);
  return registrations;
}

// The program's own code of the function `id` of `unit`, for a patch that
// calls it: found by symbol or through the build's table, and in the module
// that holds the unit (a same-named symbol elsewhere is another function).
Result<internal::RawFunction> own_copy(std::string_view id, const internal::TranslationUnit& unit) {
  Result<Function> function = find_function_by_id(id);
  if (!function) return Error{function.take_error().message};
  // A header's function has a registration in each module with a copy.
  std::vector<Function> registrations = every_slot_of(*function);
  ModuleMemory module = ModuleMemory::of_module_holding(&unit);
  bool named = false;
  for (const Function& f : registrations) {
    internal::RawFunction code = f.address();
    named = named || code;
    if (code && module.holds_code(reinterpret_cast<const void*>(code))) return code;
  }
  if (!named) return Error{"the program's own code of it cannot be found (no symbol)"};
  return Error{"the program's own code of it is not in the module of its file"};
}

// The slots of the header function `id` that a patch bound to the module
// holding `unit` switches, and a line for each module whose calls it
// leaves on their code. The patch runs with that module's state (its
// inline variables, the functions it calls): it serves the module's slot,
// and another module's only when both use the program's one copy of that
// state, which two modules that keep their own copies (hidden, kOwnCopy)
// do not. Each module has a slot of an instantiation; of another header
// function, only a module that keeps to itself (hidden visibility, a
// library loaded with RTLD_LOCAL or linked with -Bsymbolic).
struct HeaderReach {
  std::vector<internal::Slot*> slots;
  std::vector<std::string> unreached;
};

HeaderReach header_reach(std::string_view id, const internal::TranslationUnit& unit) {
  HeaderReach reach;
  Result<Function> function = find_function_by_id(id);
  if (!function) {
    function.ignore();
    return reach;
  }
  std::string name = function->name();
  std::string plain = plain_copy_of(*function);
  if (!plain.empty())
    reach.unreached.push_back(name + " also has a copy compiled without softpatch, in " + plain +
                              " (a file opted out, a plain library, or one where the header "
                              "keeps its text): calls from there run the old code");
  std::vector<Function> registrations = every_slot_of(*function);
  int bound = internal::module_index_holding(&unit);
  // The bound unit's own record: its slot is the one its module's calls
  // read, wherever the dynamic linker put it (a default-visibility slot
  // may lie in another library).
  bool bound_keeps_own = false;
  for (std::size_t i = 0; i < unit.function_count; ++i)
    if (id == unit.functions[i].id) {
      reach.slots.push_back(unit.functions[i].slot);
      bound_keeps_own = unit.functions[i].flags & internal::kOwnCopy;
      break;
    }
  for (const Function& f : registrations) {
    if (!reach.slots.empty() && &f.slot() == reach.slots.front()) continue;
    bool own = f.flags() & internal::kOwnCopy;
    bool shares_state = (f.flags() & internal::kInstantiation) && !own && !bound_keeps_own;
    if (internal::module_index_holding(&f.slot()) == bound || shares_state) {
      reach.slots.push_back(&f.slot());
      continue;
    }
    std::string where = internal::module_name_holding(&f.slot());
    reach.unreached.push_back(
        own ? name + " has a copy of its own in " + where +
                  " (hidden visibility), with its own state, which the patch does not share: "
                  "calls from there run the old code"
            : name + " has a slot of its own in " + where +
                  " (a library loaded with RTLD_LOCAL, or linked with -Bsymbolic): calls from "
                  "there run the old code");
  }
  return reach;
}

// Whether the files that include the header of the patch bound to `bound`
// compile it alike, as far as the pieces they recorded of it say (its
// functions with slots, its text, the macros its bodies use): a patch built
// from one of them runs for the calls of each whose slots it switches
// (`reached`). A module that keeps its own copies runs its own code, said
// (header_reach), however it compiles the header.
std::optional<std::string> includers_differ(const internal::TranslationUnit& bound,
                                            const std::set<const internal::Slot*>& reached) {
  const internal::TranslationUnit* differs = nullptr;
  std::string_view header = bound.project_file;
  internal::for_each_unit([&](const internal::TranslationUnit& unit) {
    if (differs || &unit == &bound || header != unit.project_file) return;
    bool runs_the_patch = false;
    for (std::size_t i = 0; !runs_the_patch && i < unit.function_count; ++i)
      runs_the_patch = reached.count(unit.functions[i].slot) != 0;
    if (!runs_the_patch) return;
    bool same = unit.fingerprint_count == bound.fingerprint_count;
    for (std::size_t i = 0; same && i < unit.fingerprint_count; ++i)
      same = std::strcmp(unit.fingerprints[i].key, bound.fingerprints[i].key) == 0 &&
             std::strcmp(unit.fingerprints[i].hash, bound.fingerprints[i].hash) == 0;
    if (!same) differs = &unit;
  });
  // Named once the registry is not held: finding a module takes the
  // dynamic linker's lock, which a library's registration holds first.
  if (!differs) return std::nullopt;
  return "the files that include " + std::string(header) +
         " compile it differently (macros or flags of their own, or an #if that tells them "
         "apart; seen in " +
         internal::module_name_holding(differs) +
         "): a patch built from one would run for the calls of all: restart needed";
}

}  // namespace

void remember_layouts(const PatchPlan& plan) {
  std::lock_guard<std::mutex> lock(remembered_mutex);
  auto& known = remembered[plan.project_file];
  for (const ClassLayout& layout : plan.layouts) known.emplace(layout.first, layout.second);
}

Result<PatchPlan> check_manifest(const std::string& path, const PatchManifest& raw,
                                 const ModuleMemory& memory, const SymbolLookup& lookup,
                                 const PatchedCode& patched_code) {
  Result<ReadManifest> read_manifest = read(path, raw, memory);
  if (!read_manifest) return Error{read_manifest.error()};
  const ReadManifest& manifest = *read_manifest;
  std::string file(manifest.project_file);
  PatchPlan plan;
  // The unit's records are read below: its library must stay loaded, and
  // must still be the one it was found in.
  Result<PinnedUnit> pinned = pin_unit(manifest.project_file);
  if (!pinned) return refused(path, pinned.take_error().message);
  const internal::TranslationUnit* unit = pinned->unit;
  plan.departures = pinned->departures;
  plan.pin = std::move(pinned->pin);
  if (build_id_of(*unit) != manifest.build_id)
    return refused(path, "built for another binary (build id " + std::string(manifest.build_id) +
                             ", running " + build_id_of(*unit) + ")");
  if (std::optional<std::string> changed = changed_layout(*unit, manifest))
    return refused(path, *changed + ": restart needed");
  std::map<std::string_view, HeaderReach> reaches;  // by id, for a header's patch
  if (manifest.flags & internal::kHeader) {
    if (std::optional<std::string> changed = changed_layout_anywhere(manifest))
      return refused(path, *changed + ": restart needed");
    std::set<const internal::Slot*> reached;
    for (const ReadManifest::Function& entry : manifest.functions) {
      HeaderReach& reach = reaches[entry.id];
      reach = header_reach(entry.id, *unit);
      reached.insert(reach.slots.begin(), reach.slots.end());
    }
    if (std::optional<std::string> differ = includers_differ(*unit, reached))
      return refused(path, *differ);
    if (std::optional<std::string> left = instantiation_left_behind(manifest))
      return refused(path, *left);
    if (std::optional<std::string> kept = unpatchable_in_another_file(manifest))
      return refused(path, *kept);
  }
  if (std::optional<std::string> changed = changed_since_earlier_patch(manifest))
    return refused(path, *changed + ": restart needed");
  std::optional<CodeChanges> changes = changes_of(*unit, manifest, patched_code);
  if (changes && changes->refusal) return refused(path, *changes->refusal);
  if (changes) {
    plan.changed = std::move(changes->changed);
    plan.added = std::move(changes->added);
  }
  plan.project_file = file;
  plan.code = with_built_kinds(*unit, manifest.code);
  plan.carries_code = manifest.carries_code;
  for (const ReadManifest::Layout& layout : manifest.layouts)
    plan.layouts.emplace_back(std::string(layout.name), std::string(layout.fingerprint));
  // Remembered now, whatever is refused below: the patch is loaded, and its
  // initialisers may have made objects of these classes already.
  remember_layouts(plan);
  for (const ReadManifest::Function& entry : manifest.functions) {
    std::optional<internal::FunctionFacts> target = internal::function_facts(entry.id);
    if (!target) continue;  // a function the patch adds: called only by the patch itself
    // A header's functions are registered by every file that includes it,
    // each in a unit of the header's: any of them may hold the record.
    bool same_file =
        (manifest.flags & internal::kHeader) ? target->project_file == file : target->unit == unit;
    if (!same_file)
      return refused(path, target->name + " belongs to " + target->project_file + ", not " + file);
    if (target->signature != entry.signature)
      return refused(path, target->name + " changed its signature from '" + target->signature +
                               "' to '" + std::string(entry.signature) + "': restart needed");
    // (An import's code is the build's own.)
    if ((target->flags & internal::kNoexcept) && !entry.import &&
        !(entry.flags & (internal::kNothrow | internal::kBuildCode)))
      return refused(path, target->name +
                               " is no longer noexcept: the program's calls of it were compiled "
                               "for code that cannot throw: restart needed");
    // A header's slots as includers_differ saw them: a library loaded since
    // is not switched unchecked.
    HeaderReach reach;
    if (manifest.flags & internal::kHeader)
      reach = std::move(reaches[entry.id]);
    else
      reach.slots = {target->slot};
    auto switch_all = [&](internal::RawFunction code) {
      for (internal::Slot* slot : reach.slots) plan.switches.push_back({slot, code, target->name});
    };
    if (entry.flags & internal::kBuildCode) {
      switch_all(nullptr);
      continue;
    }
    if (entry.import) {
      // The patch calls the program's own copy, and the build's code (the
      // same as the edited file's) runs again from its slot.
      Result<internal::RawFunction> own = own_copy(entry.id, *unit);
      if (!own) return refused(path, target->name + ": " + own.take_error().message);
      plan.imports.push_back({entry.import, *own});
      switch_all(nullptr);
      continue;
    }
    internal::RawFunction code =
        entry.entry ? entry.entry() : lookup(std::string(entry.id).c_str());
    if (!code) return refused(path, "no code for " + target->name + " in the patch");
    if (!memory.holds_code(reinterpret_cast<const void*>(code)))
      return refused(path,
                     "the code for " + target->name + " is not in the patch (corrupt manifest)");
    switch_all(code);
    if (!changes) plan.changed.push_back(target->name);
    for (std::string& line : reach.unreached) plan.unreached.push_back(std::move(line));
  }
  if (manifest.flags & internal::kWholeFile)
    if (std::optional<std::string> gone = missing_function(*unit, manifest))
      return refused(path, *gone + ": restart needed");
  return plan;
}

}  // namespace softpatch
