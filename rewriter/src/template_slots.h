// Templates get a slot per instantiation: the body of a function template or
// of a member of a class template names its slot with its own template
// parameters (__softpatch_template_slot<__softpatch_template_key<hash, T...>>
// in softpatch/internal/instrument.h), and the file's table registers each
// instantiation the file has by naming the same slot with its arguments.
#ifndef SOFTPATCH_REWRITER_TEMPLATE_SLOTS_H
#define SOFTPATCH_REWRITER_TEMPLATE_SLOTS_H

#include <optional>
#include <string>
#include <vector>

#include "clang/AST/Decl.h"

#include "naming.h"

namespace softpatch::rewriter {

// Whether `function` is the pattern of a template: a function template's
// body, or a member of a class template.
bool is_template_pattern(const clang::FunctionDecl& function);

// Why the instantiations of `pattern` cannot have slots, if they cannot.
std::optional<std::string> template_problem(const clang::FunctionDecl& pattern);

// The slot expression for the body of `pattern` (template_problem() says
// none): the same object in each instantiation's code as in its record.
std::string template_slot_in_body(const clang::FunctionDecl& pattern);

// The same slot named for `instance` at the end of the file, or nothing
// when an argument cannot be written there (a private type, a pointer).
std::optional<std::string> template_slot_of(const clang::FunctionDecl& instance,
                                            const clang::FunctionDecl& pattern,
                                            const Naming& naming);

// The instantiations of `pattern` whose code this file compiles.
std::vector<const clang::FunctionDecl*> instances_of(const clang::FunctionDecl& pattern);

// Whether only this file calls `instance`: an implicit instantiation of a
// template that no header declares (another file could call one through
// such a declaration, and the build's copy would then be its code).
bool made_for_this_file_only(const clang::FunctionDecl& instance,
                             const clang::FunctionDecl& pattern);

// `<int, 3>`: the function's own template arguments as code at namespace
// scope writes them; "" when it has none, nothing when one cannot be written.
std::optional<std::string> spelled_template_arguments(const clang::FunctionDecl& function,
                                                      const Naming& naming);

}  // namespace softpatch::rewriter

#endif  // SOFTPATCH_REWRITER_TEMPLATE_SLOTS_H
