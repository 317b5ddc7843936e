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
  VariableGetter getter;
  {
    std::lock_guard<std::mutex> lock(store_mutex);
    auto [it, inserted] = store().emplace(std::string(scope) + '\0' + name, nullptr);
    if (inserted) {
      VariableGetter recorded = recorded_variable(scope, name);
      it->second = recorded ? recorded : define;
    }
    getter = it->second;
  }
  // Outside the lock: a variable's initialiser may bind others.
  return getter();
}

}  // namespace softpatch::internal
