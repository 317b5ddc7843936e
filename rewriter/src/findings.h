// What a parse found in the main file, in source order: the functions and
// variables that instrument mode and patch mode work on.
#ifndef SOFTPATCH_REWRITER_FINDINGS_H
#define SOFTPATCH_REWRITER_FINDINGS_H

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "clang/AST/Decl.h"
#include "clang/AST/ExprCXX.h"
#include "clang/Basic/SourceManager.h"

#include "softpatch/rewriter/instrumenter.h"

namespace softpatch::rewriter {

// The directories an #include searches, in order: `quoted` only for
// `#include "..."` (after the including file's directory), then `angled`.
struct IncludeSearch {
  std::vector<std::string> quoted;
  std::vector<std::string> angled;
};

struct Findings {
  std::vector<const clang::FunctionDecl*> functions;  // eligible for a slot
  // Eligible templates: a slot per instantiation (template_slots.h). A
  // patch compiles them plain, with the functions that use them.
  std::vector<const clang::FunctionDecl*> templates;
  // Lambdas that capture nothing, in eligible functions (lambda_problem()
  // found none): a slot each if their enclosing function gets one.
  std::vector<const clang::LambdaExpr*> lambdas;
  // Every lambda of an eligible function's body (not of another lambda),
  // with why it gets no slot, or "" for those in `lambdas`.
  std::vector<std::pair<const clang::LambdaExpr*, std::string>> function_lambdas;
  std::vector<SkippedFunction> skipped;
  // File `static` and anonymous-namespace variables, mutable, defined here.
  std::vector<const clang::VarDecl*> internal_variables;
  // Namespace-scope variable definitions with external linkage.
  std::vector<const clang::VarDecl*> external_variables;
  // Out-of-line definitions of static data members of classes with external
  // linkage.
  std::vector<const clang::VarDecl*> static_member_definitions;
  // Mutable static data members of classes with internal linkage (of an
  // anonymous namespace), defined here: a patch could only have copies of
  // its own, which the program's symbols (local) cannot stand for.
  std::vector<const clang::VarDecl*> unshared_static_members;
  // Mutable function-local statics of eligible functions.
  std::vector<const clang::VarDecl*> local_statics;
  IncludeSearch search;
  // Functions the rewriter's Clang may not see as the compiler builds them
  // (compiler_conditions.h), with the reason: they get no slot, and are out
  // of `functions`.
  std::map<const clang::FunctionDecl*, std::string> compiler_dependent;
  // The same test for any function (a header's): its reason, or nullopt.
  std::function<std::optional<std::string>(const clang::FunctionDecl&)> compiler_dependence;
  // Whether the project's compiler is g++ (or could not be asked): it
  // ignores an ABI tag on a function template of the global namespace.
  bool compiler_is_gcc = true;
};

Findings collect(const std::vector<clang::Decl*>& top_level, const clang::SourceManager& sources);

bool in_main_file(const clang::Decl& decl, const clang::SourceManager& sources);
// Neither const nor constexpr: state a patch shares with the program.
bool is_mutable_variable(const clang::VarDecl& variable);
unsigned line_of(const clang::Decl& decl, const clang::SourceManager& sources);

}  // namespace softpatch::rewriter

#endif  // SOFTPATCH_REWRITER_FINDINGS_H
