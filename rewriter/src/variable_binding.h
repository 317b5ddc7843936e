// Turns a variable definition into a reference bound through the runtime's
// variable store (softpatch/internal/variables.h), so that the program and
// every patch share one instance:
//   static int calls = 0;
// becomes, on the same lines,
//   static auto& calls = ::__softpatch_bind("<scope>", "calls", []() { static int calls = 0; return
//   &calls; });
#ifndef SOFTPATCH_REWRITER_VARIABLE_BINDING_H
#define SOFTPATCH_REWRITER_VARIABLE_BINDING_H

#include <string>
#include <vector>

#include "clang/AST/ASTContext.h"
#include "clang/AST/Decl.h"

#include "naming.h"
#include "text_edits.h"

namespace softpatch::rewriter {

// Binds `variable` as `name` of `scope`. False (and nothing edited) when the
// declaration cannot be rewritten in place: it declares several variables,
// or comes from a macro.
bool bind_in_place(const clang::VarDecl& variable, const std::string& scope,
                   const std::string& name, TextEdits& edits, clang::ASTContext& context);

// Binds each mutable function-local static of an instrumented function, with
// the function's id as scope. Returns those that could not be bound.
std::vector<const clang::VarDecl*> bind_local_statics(
    const std::vector<const clang::VarDecl*>& statics, const Naming& naming, TextEdits& edits,
    clang::ASTContext& context);

}  // namespace softpatch::rewriter

#endif  // SOFTPATCH_REWRITER_VARIABLE_BINDING_H
