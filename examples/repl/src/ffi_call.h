// Calling an instrumented function by its registry signature with typed
// arguments given as text, through libffi.
#pragma once

#include <string>
#include <vector>

#include "softpatch/registry.h"

namespace repl {

// Calls `function` with `arguments` converted to its parameter types;
// returns the result as text ("" for void), or an error.
softpatch::Result<std::string> call(const softpatch::Function& function,
                                    const std::vector<std::string>& arguments);

}  // namespace repl
