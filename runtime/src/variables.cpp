// The store behind bind_variable: id -> getter, filled from the registry's
// recorded variables on demand and by patches that add variables.
#include "softpatch/internal/variables.h"

#include <exception>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "recorded_variables.h"
#include "softpatch/internal/initialisation.h"

namespace softpatch::internal {
namespace {

std::mutex store_mutex;

std::unordered_map<std::string, VariableGetter>& store() {
  static auto* getters = new std::unordered_map<std::string, VariableGetter>;  // never destroyed
  return *getters;
}

std::string& failure() {
  static auto* first = new std::string;  // the first failure since the last take
  return *first;
}

void note_failure(const char* scope, const char* name, const char* what) {
  std::lock_guard<std::mutex> lock(store_mutex);
  if (failure().empty())
    failure() = std::string("initialising ") + name + " (" + scope + ") threw: " + what;
}

}  // namespace

void* bind_variable(const char* scope, const char* name, VariableGetter define) {
  // The program's own variable first, looked up afresh each time: the store
  // keeps only getters of variables that patches defined (patches are never
  // unloaded; a library's recorded variable may go with dlclose).
  VariableGetter getter = recorded_variable(scope, name);
  if (!getter) {
    std::lock_guard<std::mutex> lock(store_mutex);
    getter = store().emplace(std::string(scope) + '\0' + name, define).first->second;
  }
  // Outside the lock: a variable's initialiser may bind others. An
  // initialiser that throws while a patch is being loaded must not end the
  // program (it would: the exception would leave a static initialiser). The
  // loader finds the failure noted and refuses the patch, so nothing ever
  // uses the address returned then.
  try {
    return getter();
  } catch (const std::exception& error) {
    note_failure(scope, name, error.what());
  } catch (...) {
    note_failure(scope, name, "an exception that is not a std::exception");
  }
  alignas(64) static unsigned char unused[64];
  return unused;
}

std::string take_initialisation_failure() {
  std::lock_guard<std::mutex> lock(store_mutex);
  return std::exchange(failure(), std::string());
}

}  // namespace softpatch::internal
