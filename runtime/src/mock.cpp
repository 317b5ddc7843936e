// The parts of softpatch/mock.h that are not templates: finding targets,
// checking mock_by_name's signature against the registry's, the chain of
// each mocked slot, the list of active mocks.
#include "softpatch/mock.h"

#include "softpatch/internal/modules.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace softpatch {
namespace mock_detail {
namespace {

std::mutex guards_mutex;
std::map<std::size_t, std::function<void()>>& guards() {
  static auto* active = new std::map<std::size_t, std::function<void()>>;  // outlives tests
  return *active;
}
std::size_t next_guard = 1;

// The chain of each mocked slot, whichever way its first mock was made
// (mock<&f> or mock_by_name), and the slot type it was made for.
struct Chain {
  void* state;
  const char* type;  // a type_spelling<R(P...)>() text
};
std::mutex chains_mutex;
std::map<const internal::Slot*, Chain>& chains() {
  static auto* made = new std::map<const internal::Slot*, Chain>;  // outlives tests
  return *made;
}

}  // namespace

std::string target_name(std::string_view pretty) {
  // GCC: "... [with auto P = &ns::f; ...]", Clang: "... [P = &ns::f]".
  std::size_t at = pretty.find("P = ");
  if (at == std::string_view::npos) return std::string(pretty);
  std::string_view rest = pretty.substr(at + 4);
  rest = rest.substr(0, rest.find_first_of(";]"));
  while (!rest.empty() && (rest.front() == '&' || rest.front() == '(')) rest.remove_prefix(1);
  if (std::size_t close = rest.rfind(')');
      close != std::string_view::npos && rest.find('(') == std::string_view::npos)
    rest = rest.substr(0, close);
  return std::string(rest);
}

// Once per function: calls that a mock does not reach (a copy compiled
// without softpatch, a library's own slot) are said, so that a test does
// not pass or fail by luck.
void warn_of_unreached_calls(const Function& function) {
  static std::mutex mutex;
  static auto* looked_at = new std::set<std::string>;  // outlives tests
  std::lock_guard<std::mutex> lock(mutex);
  if (!looked_at->insert(function.id()).second) return;
  std::string plain = plain_copy_of(function);
  std::vector<Function> others = other_slots_of(function);
  if (!plain.empty())
    std::fprintf(stderr,
                 "softpatch::mock: warning: %s also has a copy compiled without softpatch, in %s "
                 "(a file opted out, or a plain library): calls from there run the real "
                 "function\n",
                 function.name(), plain.c_str());
  // One chain serves the first kOtherSlots of the others.
  for (std::size_t i = kOtherSlots; i < others.size(); ++i)
    std::fprintf(stderr,
                 "softpatch::mock: warning: %s has a slot of its own in %s, and a mock reaches "
                 "the slots of %zu modules only: calls from there run the real function\n",
                 function.name(), internal::module_name_holding(&others[i].slot()).c_str(),
                 kOtherSlots + 1);
}

std::vector<OtherCopy> other_copies(const std::string& id) {
  Result<Function> found = find_function_by_id(id);
  if (!found) {
    found.ignore();
    return {};
  }
  const Function& f = *found;
  std::vector<OtherCopy> copies;
  for (const Function& other : other_slots_of(f)) {
    if (copies.size() == kOtherSlots) break;
    // Its module's own copy, when the module kept one (a library's
    // references may bind to the program's copy instead).
    internal::RawFunction code = other.address();
    if (!code || internal::module_index_holding(reinterpret_cast<const void*>(code)) !=
                     internal::module_index_holding(&other.slot()))
      code = nullptr;
    copies.push_back({&other.slot(), code});
  }
  return copies;
}

internal::Slot* slot_read_by(internal::RawFunction code, const Function& f) {
  int module = code ? internal::module_index_holding(reinterpret_cast<const void*>(code)) : -1;
  if (module < 0 || module == internal::module_index_holding(&f.slot())) return &f.slot();
  for (const Function& other : other_slots_of(f))
    if (internal::module_index_holding(&other.slot()) == module) return &other.slot();
  return &f.slot();
}

EnteredThrough& entered_through() noexcept {
  static thread_local EnteredThrough now;
  return now;
}

Function resolve(internal::RawFunction address, const std::string& name) {
  // By address first (exact, also for overloads); by name for virtual
  // methods and for methods whose symbols the program does not export.
  Result<Function> found = address ? find_function_at(address) : find_function(name);
  if (!found && address) {
    Result<Function> named = find_function(name);
    if (named) {
      found.ignore();  // found by name after all
      warn_of_unreached_calls(*named);
      return *named;
    }
    named.ignore();  // the error by address is the one reported
  }
  if (found) {
    warn_of_unreached_calls(*found);
    return *found;
  }
  throw MockError("softpatch::mock: " + name +
                  " is not instrumented, so it cannot be mocked: build the file that defines it "
                  "with softpatch_instrument(<its target>) in CMake, and check it is not opted "
                  "out (softpatch-rewrite --explain <file> says why a function is skipped). " +
                  found.error());
}

namespace {

bool is_word(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// The words of a builtin type, which GCC and Clang order and shorten
// differently ("long unsigned int", "unsigned long").
bool is_builtin_word(const std::string& token) {
  static const char* const words[] = {"signed", "unsigned", "short", "long",
                                      "int",    "char",     "double"};
  return std::find(std::begin(words), std::end(words), token) != std::end(words);
}

// "long unsigned int" and "unsigned long" both become "long unsigned".
void canonicalise_builtin(std::vector<std::string>& run) {
  bool sized = std::find(run.begin(), run.end(), "short") != run.end() ||
               std::find(run.begin(), run.end(), "long") != run.end();
  bool other = std::find(run.begin(), run.end(), "char") != run.end() ||
               std::find(run.begin(), run.end(), "double") != run.end();
  if (sized && !other) run.erase(std::remove(run.begin(), run.end(), "int"), run.end());
  std::sort(run.begin(), run.end());
}

// A type's spelling as tokens, without spaces and without the anonymous
// namespace, which the registry leaves out.
std::vector<std::string> type_tokens(std::string_view type) {
  std::string text(type);
  for (std::string_view anonymous : {"(anonymous namespace)::", "{anonymous}::"})
    for (std::size_t at; (at = text.find(anonymous)) != std::string::npos;)
      text.erase(at, anonymous.size());
  std::vector<std::string> tokens, run;
  auto end_run = [&] {
    canonicalise_builtin(run);
    tokens.insert(tokens.end(), run.begin(), run.end());
    run.clear();
  };
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    std::size_t length = 1;
    if (is_word(text[i]))
      while (i + length < text.size() && is_word(text[i + length])) ++length;
    else if (text.compare(i, 2, "::") == 0)
      length = 2;
    std::string token = text.substr(i, length);
    i += length;
    if (is_builtin_word(token)) {
      run.push_back(token);
      continue;
    }
    end_run();
    tokens.push_back(token);
  }
  end_run();
  return tokens;
}

// The registry's "R (P1, P2)" as {R, P1, P2}; empty when the result is
// itself written around the parameters (a function returning a function
// pointer), which this does not take apart.
std::vector<std::string> signature_parts(std::string_view signature) {
  if (signature.empty() || signature.back() != ')') return {};
  int depth = 0;
  std::size_t open = std::string_view::npos;
  std::vector<std::size_t> commas;
  for (std::size_t i = signature.size(); i-- > 0;) {
    char c = signature[i];
    if (c == ')' || c == '>' || c == ']') ++depth;
    if (c == '(' || c == '<' || c == '[') --depth;
    if (c == ',' && depth == 1) commas.push_back(i);
    if (depth == 0) {
      open = i;
      break;
    }
  }
  if (open == std::string_view::npos) return {};
  std::string_view result = signature.substr(0, open);
  while (!result.empty() && result.back() == ' ') result.remove_suffix(1);
  if (result.find_first_of("()") != std::string_view::npos) return {};
  std::vector<std::string> parts{std::string(result)};
  std::size_t from = open + 1;
  for (auto comma = commas.rbegin(); comma != commas.rend(); ++comma) {
    parts.emplace_back(signature.substr(from, *comma - from));
    from = *comma + 2;  // ", "
  }
  std::string_view last = signature.substr(from, signature.size() - 1 - from);
  if (!last.empty() && last != "void") parts.emplace_back(last);
  return parts;
}

std::string plural(std::size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

// A parameter's type without its top-level const, which is not part of
// the function's type (the registry keeps what the definition wrote):
// "const int" -> "int", "char *const" -> "char *", "const char *" as it is.
std::string without_top_level_const(std::string type) {
  while (!type.empty() && type.back() == ' ') type.pop_back();
  if (type.size() > 6 && type.compare(type.size() - 6, 6, " const") == 0 &&
      type.find_last_of("*&") == type.find_last_not_of(" ", type.size() - 7))
    return without_top_level_const(type.substr(0, type.size() - 6));
  if (type.rfind("const ", 0) == 0 &&
      std::string_view("*&)]").find(type.back()) == std::string::npos)
    return type.substr(6);
  return type;
}

// What differs between the registry's parts {R, P...} and the given types,
// or "" when nothing does.
std::string type_difference(const Function& f, const std::vector<std::string>& parts,
                            const char* result, std::initializer_list<const char*> parameters) {
  if (parts.size() - 1 != parameters.size())
    return "it takes " + plural(parts.size() - 1, "parameter") + ", not " +
           std::to_string(parameters.size());
  std::string given = spelled_type(result);
  if (!same_type(parts[0], given)) return "the result is " + parts[0] + ", not " + given;
  std::size_t index = 1;
  for (const char* parameter : parameters) {
    given = spelled_type(parameter);
    if (!same_type(without_top_level_const(parts[index]), without_top_level_const(given)))
      return "parameter " + std::to_string(index) +
             (index == 1 && f.is_method() ? " (the object)" : "") + " is " + parts[index] +
             ", not " + given;
    ++index;
  }
  return "";
}

}  // namespace

std::string spelled_type(std::string_view pretty) {
  // GCC: "... [with T = const int&]", Clang: "... [T = const int &]".
  std::size_t at = pretty.find("T = ");
  if (at == std::string_view::npos || pretty.back() != ']') return std::string(pretty);
  return std::string(pretty.substr(at + 4, pretty.size() - at - 5));
}

bool same_type(std::string_view registry, std::string_view compiler) {
  std::vector<std::string> a = type_tokens(registry), b = type_tokens(compiler);
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] == b[j]) {
      ++i, ++j;
    } else if (is_word(b[j][0]) && j + 1 < b.size() && b[j + 1] == "::") {
      j += 2;  // an inline namespace the registry leaves out ("std::__cxx11::")
    } else {
      return false;
    }
  }
  return i == a.size() && j == b.size();
}

Function resolve_by_name(const std::string& name, const char* result,
                         std::initializer_list<const char*> parameters) {
  Result<Function> f = find_function(name);
  if (!f) throw MockError("softpatch::mock_by_name: " + f.error());
  if (f->is_constructor_or_destructor())
    throw MockError("softpatch::mock_by_name: " + std::string(f->name()) +
                    " is a constructor or destructor, whose body runs only as part of making or "
                    "destroying its object: use softpatch::mock_constructor<Class(Parameters...)>, "
                    "spy_constructor, mock_destructor<Class> or spy_destructor");
  std::vector<std::string> parts = signature_parts(f->signature());
  std::string difference = parts.empty() ? "" : type_difference(*f, parts, result, parameters);
  if (!difference.empty())
    throw MockError("softpatch::mock_by_name: " + std::string(f->name()) + " has slot type '" +
                    f->signature() + "': " + difference + " (methods: the object pointer first)");
  if (!f->address())
    throw MockError("softpatch::mock_by_name: " + std::string(f->name()) +
                    " has no address to call the original through");
  return *f;
}

// "{anonymous}::Note" (g++) as the registry says it: "(anonymous namespace)::Note".
static std::string as_registry_names(std::string type) {
  const std::string gcc = "{anonymous}", clang = "(anonymous namespace)";
  for (std::size_t at = type.find(gcc); at != std::string::npos; at = type.find(gcc, at))
    type.replace(at, gcc.size(), clang);
  return type;
}

Function resolve_body(const char* type, bool destructor,
                      std::initializer_list<const char*> parameters) {
  const char* api = destructor ? "softpatch::mock_destructor" : "softpatch::mock_constructor";
  std::string name = as_registry_names(spelled_type(type));
  std::size_t scope = name.rfind("::");
  std::string prefix = name + "::" + (destructor ? "~" : "") +
                       name.substr(scope == std::string::npos ? 0 : scope + 2) + "(";
  unsigned flag = destructor ? internal::kDestructor : internal::kConstructor;
  std::vector<Function> of_class;
  for (const Function& f : functions())
    if ((f.flags() & flag) && std::string_view(f.name()).substr(0, prefix.size()) == prefix)
      of_class.push_back(f);
  for (const Function& f : of_class) {
    std::vector<std::string> parts = signature_parts(f.signature());
    if (!parts.empty() && type_difference(f, parts, "void", parameters).empty()) {
      warn_of_unreached_calls(f);
      return f;
    }
  }
  std::string which = destructor ? "destructor" : "constructor";
  if (of_class.empty())
    throw MockError(std::string(api) + ": no " + which + " of " + name +
                    " is instrumented (softpatch-rewrite --explain FILE says why a " + which +
                    " is not; a template's, a defaulted or constexpr one are not)");
  std::string listed;
  std::set<std::string> seen;
  for (const Function& f : of_class)
    if (seen.insert(f.name()).second)
      listed += (listed.empty() ? "" : ", ") + std::string(f.name());
  throw MockError(std::string(api) + ": no instrumented " + which + " of " + name +
                  " takes these parameters; its instrumented ones are " + listed);
}

void fail(const std::string& message) { throw MockError(message); }

std::size_t register_guard(std::function<void()> end) {
  std::lock_guard<std::mutex> lock(guards_mutex);
  guards()[next_guard] = std::move(end);
  return next_guard++;
}

bool unregister_guard(std::size_t id) {
  std::lock_guard<std::mutex> lock(guards_mutex);
  return guards().erase(id) == 1;
}

void* chain_of(const Function& f, const char* type, void* (*make)(const Function&)) {
  std::lock_guard<std::mutex> lock(chains_mutex);
  auto found = chains().find(&f.slot());
  if (found == chains().end()) {
    void* state = make(f);
    if (state) chains().emplace(&f.slot(), Chain{state, type});
    return state;
  }
  // Different types would make one chain's dispatcher call another's
  // handlers with the wrong arguments.
  if (std::strcmp(found->second.type, type) != 0 &&
      !same_type(spelled_type(found->second.type), spelled_type(type)))
    throw MockError("softpatch::mock: " + std::string(f.name()) + " is mocked as " +
                    spelled_type(found->second.type) + " already, and a mock as " +
                    spelled_type(type) + " cannot join it: give mock_by_name the slot type '" +
                    f.signature() + "'");
  return found->second.state;
}

}  // namespace mock_detail

void reset_mocks() {
  std::map<std::size_t, std::function<void()>> ending;
  {
    std::lock_guard<std::mutex> lock(mock_detail::guards_mutex);
    ending.swap(mock_detail::guards());
  }
  for (auto it = ending.rbegin(); it != ending.rend(); ++it) it->second();  // newest first
}

std::size_t active_mocks() {
  std::lock_guard<std::mutex> lock(mock_detail::guards_mutex);
  return mock_detail::guards().size();
}

}  // namespace softpatch
