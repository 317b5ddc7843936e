#include "variable_binding.h"

#include <map>

#include "clang/Lex/Lexer.h"

#include "source_text.h"

namespace softpatch::rewriter {
namespace {

// The `;` that ends the declaration of `variable`, or an invalid location.
clang::SourceLocation semicolon_after(const clang::VarDecl& variable, clang::ASTContext& context) {
  clang::SourceLocation end = variable.getEndLoc();
  if (end.isMacroID()) return {};
  llvm::Optional<clang::Token> next =
      clang::Lexer::findNextToken(end, context.getSourceManager(), context.getLangOpts());
  if (!next || !next->is(clang::tok::semi)) return {};
  return next->getLocation();
}

// Whether another variable shares the declaration (`static int a, b;`).
bool shares_declaration(const clang::VarDecl& variable) {
  const clang::DeclContext* context = variable.getDeclContext();
  for (const clang::Decl* other : context->decls())
    if (other != &variable && other->getBeginLoc() == variable.getBeginLoc()) return true;
  return false;
}

}  // namespace

bool bind_in_place(const clang::VarDecl& variable, const std::string& scope,
                   const std::string& name, TextEdits& edits, clang::ASTContext& context) {
  clang::SourceLocation begin = variable.getBeginLoc();
  clang::SourceLocation semicolon = semicolon_after(variable, context);
  if (begin.isMacroID() || semicolon.isInvalid() || !edits.can_edit(begin) ||
      shares_declaration(variable))
    return false;
  bool per_thread = variable.getTLSKind() != clang::VarDecl::TLS_None;
  // Inside the lambda the original declaration must define a static even if
  // it was written without `static` (anonymous namespace).
  bool spelled_static = variable.getStorageClass() == clang::SC_Static;
  std::string prefix = std::string("static ") + (per_thread ? "thread_local " : "") + "auto& " +
                       variable.getNameAsString() + " = ::__softpatch_bind(" + quoted(scope) +
                       ", " + quoted(name) + ", []() { " +
                       (spelled_static || variable.isStaticLocal() ? "" : "static ");
  edits.insert_before(begin, prefix);
  edits.insert_after(semicolon, " return &" + variable.getNameAsString() + "; });");
  return true;
}

std::vector<const clang::VarDecl*> bind_local_statics(
    const std::vector<const clang::VarDecl*>& statics, const Naming& naming, TextEdits& edits,
    clang::ASTContext& context) {
  std::vector<const clang::VarDecl*> unbound;
  std::map<std::pair<const clang::Decl*, std::string>, int>
      seen;  // same name twice in one function
  for (const clang::VarDecl* variable : statics) {
    const auto* function = llvm::cast<clang::FunctionDecl>(variable->getParentFunctionOrMethod());
    std::string name = variable->getNameAsString();
    int count = ++seen[{function, name}];
    if (count > 1) name += "#" + std::to_string(count);
    if (!bind_in_place(*variable, naming.id(*function), name, edits, context))
      unbound.push_back(variable);
  }
  return unbound;
}

}  // namespace softpatch::rewriter
