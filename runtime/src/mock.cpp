// The parts of softpatch/mock.h that are not templates: finding targets,
// the list of active mocks.
#include "softpatch/mock.h"

#include <map>
#include <mutex>
#include <string>

namespace softpatch {
namespace mock_detail {
namespace {

std::mutex guards_mutex;
std::map<std::size_t, std::function<void()>>& guards() {
  static auto* active = new std::map<std::size_t, std::function<void()>>;  // outlives tests
  return *active;
}
std::size_t next_guard = 1;

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

Function resolve(internal::RawFunction address, const std::string& name) {
  // By address first (exact, also for overloads); by name for virtual
  // methods and for methods whose symbols the program does not export.
  Result<Function> found = address ? find_function_at(address) : find_function(name);
  if (!found && address) {
    Result<Function> named = find_function(name);
    if (named) {
      found.ignore();  // found by name after all
      return *named;
    }
    named.ignore();  // the error by address is the one reported
  }
  if (found) return *found;
  throw MockError("softpatch::mock: " + name +
                  " is not instrumented, so it cannot be mocked: build the file that defines it "
                  "with softpatch_instrument(<its target>) in CMake, and check it is not opted "
                  "out (softpatch-rewrite --explain <file> says why a function is skipped). " +
                  found.error());
}

Function resolve_by_name(const std::string& name, std::size_t parameters) {
  Result<Function> f = find_function(name);
  if (!f) throw MockError("softpatch::mock_by_name: " + f.error());
  if (parameter_count(f->signature()) != parameters)
    throw MockError("softpatch::mock_by_name: " + std::string(f->name()) + " has slot type '" +
                    f->signature() + "', not " + std::to_string(parameters) + " parameters");
  if (!f->address())
    throw MockError("softpatch::mock_by_name: " + std::string(f->name()) +
                    " has no address to call the original through");
  return *f;
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

std::size_t parameter_count(std::string_view signature) {
  std::size_t open = signature.find(" (");
  if (open == std::string_view::npos) return 0;
  std::string_view list = signature.substr(open + 2);
  list.remove_suffix(1);  // ')'
  if (list.empty() || list == "void") return 0;
  std::size_t count = 1;
  int depth = 0;
  for (char c : list) {
    if (c == '<' || c == '(') ++depth;
    if (c == '>' || c == ')') --depth;
    if (c == ',' && depth == 0) ++count;
  }
  return count;
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
