// Which function definitions get a trampoline, and for the others the reason
// `softpatch-rewrite --explain` prints.
#ifndef SOFTPATCH_REWRITER_ELIGIBILITY_H
#define SOFTPATCH_REWRITER_ELIGIBILITY_H

#include <optional>
#include <string>

#include "clang/AST/Decl.h"
#include "clang/Basic/SourceManager.h"

#include "softpatch/rewriter/instrumenter.h"

namespace clang {
class LambdaExpr;
}  // namespace clang

namespace softpatch::rewriter {

// The comment that opts a function out when it stands on the line of the
// definition's start or the line above it.
inline constexpr const char kSkipFunctionMarker[] = "softpatch: skip";
// The comment that opts a whole file out, anywhere in it.
inline constexpr const char kSkipFileMarker[] = "softpatch: skip-file";

struct Eligibility {
  bool listed = true;                 // false for what is not worth mentioning (implicit members)
  std::optional<std::string> reason;  // set when the function is not instrumented
  bool eligible() const { return listed && !reason; }
};

// Why `lambda` gets no slot of its own and stays part of its enclosing
// function's code, or nothing. A slot's target takes the closure first, so
// that a patch's body of the same lambda runs for a closure made before it:
// the closure of a lambda that captures is found by an init-capture
// (insert_closure_anchor()) and read as the patch's closure type, which the
// slot's id keeps equal (Naming::lambda_id()). (Its enclosing function must
// have a slot too: Findings.)
std::optional<std::string> lambda_problem(const clang::LambdaExpr& lambda);

// Whether `function` is a member of a class local to a function (or to a
// lambda): a patch's copy of the class is a class of its own.
bool is_local_class_member(const clang::FunctionDecl& function);

// Whether the closure type `closure` holds captures.
bool holds_captures(const clang::CXXRecordDecl& closure);

// The name of the closure's first capture when it copies a variable, whose
// copy is then the closure's first member (insert_closure_anchor()).
std::optional<std::string> first_copied_capture(const clang::CXXRecordDecl& closure);

// Whether `function` is a lambda's function call operator.
bool is_lambda_call(const clang::FunctionDecl& function);

// Whether `type` mentions a lambda's closure type or a function-local class,
// which cannot be spelled outside (or before) their declaration.
bool unnameable(clang::QualType type);

// Whether code at namespace scope may name `type`: no private or protected
// nested classes, nothing local, no lambdas.
bool nameable_at_namespace_scope(clang::QualType type);

// Whether `function` is a constructor or a destructor: its body has a slot,
// its member initialisers and its members' destruction do not.
bool is_constructor_or_destructor(const clang::FunctionDecl& function);

// "constructor" or "destructor", for a reason that names which.
const char* constructor_or_destructor(const clang::FunctionDecl& function);

// Decides for a definition written in the main file.
Eligibility eligibility(const clang::FunctionDecl& function, const clang::SourceManager& sources);

// The entry of `function` (defined on `line` of `file`, "" for the main
// file) in a list of skipped functions.
SkippedFunction skipped_function(const clang::FunctionDecl& function, unsigned line,
                                 std::string reason, std::string file = "");

}  // namespace softpatch::rewriter

#endif  // SOFTPATCH_REWRITER_ELIGIBILITY_H
