// Between the registry and the variable store, inside the runtime.
#ifndef SOFTPATCH_RUNTIME_RECORDED_VARIABLES_H
#define SOFTPATCH_RUNTIME_RECORDED_VARIABLES_H

#include <string_view>

#include "softpatch/internal/variables.h"

namespace softpatch::internal {

// The getter of variable `name` (qualified) that the instrumented file
// `project_file` recorded, or null.
VariableGetter recorded_variable(std::string_view project_file, std::string_view name);

}  // namespace softpatch::internal

#endif  // SOFTPATCH_RUNTIME_RECORDED_VARIABLES_H
