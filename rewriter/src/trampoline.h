// The trampoline: the statement inserted right after the `{` of a function
// body. It reads the function's slot once and, when a target is set, calls it
// with the function's own arguments (the object first for methods) and returns
// its result:
//
//   int add2(int a) { if (__softpatch_raw_function t = __softpatch_target_of(slots[3]); expect(t, 0))
//       return __softpatch_call<int, decltype(a)>(t, static_cast<decltype(a)&&>(a)); ...
//
// All on the line of the `{`, so no line number moves.
#ifndef SOFTPATCH_REWRITER_TRAMPOLINE_H
#define SOFTPATCH_REWRITER_TRAMPOLINE_H

#include <string>
#include <vector>

#include "clang/AST/Decl.h"

#include "naming.h"

namespace softpatch::rewriter {

// `parameter_names` holds the name of each parameter as it will be in the
// rewritten file (unnamed parameters get one from parameter_name()).
std::string trampoline(const clang::FunctionDecl& function, unsigned slot_index,
                       const std::vector<std::string>& parameter_names, const Naming& naming);

// The name given to unnamed parameter `index` so the trampoline can pass it on.
std::string parameter_name(unsigned index);

// Expression naming slot `index` of the current file.
std::string slot_expression(unsigned index);

}  // namespace softpatch::rewriter

#endif  // SOFTPATCH_REWRITER_TRAMPOLINE_H
