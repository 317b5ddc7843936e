// Calling an instrumented function by its registry signature with typed
// arguments given as text, through libffi.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "crash_guard.h"
#include "softpatch/registry.h"

namespace repl {

// Calls `function` with `arguments` converted to its parameter types;
// returns the result as text ("" for void), or an error. When a crash or a
// Ctrl-C ended the call, `*stopped` says which and where, and the result is
// "" (there was none).
softpatch::Result<std::string> call(const softpatch::Function& function,
                                    const std::vector<std::string>& arguments,
                                    std::optional<Stop>* stopped);

}  // namespace repl
