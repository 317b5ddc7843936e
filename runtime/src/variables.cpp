// The store behind bind_variable: id -> getter, filled from the registry's
// recorded variables on demand and by patches that add variables.
#include "softpatch/internal/variables.h"

#include <mutex>
#include <string>
#include <unordered_map>

#include "recorded_variables.h"

namespace softpatch::internal {
namespace {

std::mutex store_mutex;

std::unordered_map<std::string, VariableGetter>& store() {
  static auto* getters = new std::unordered_map<std::string, VariableGetter>;  // never destroyed
  return *getters;
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
  // Outside the lock: a variable's initialiser may bind others.
  return getter();
}

}  // namespace softpatch::internal
