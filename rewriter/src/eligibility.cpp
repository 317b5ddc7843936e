#include "eligibility.h"

#include "clang/AST/Attr.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/StmtCXX.h"

namespace softpatch::rewriter {
namespace {

// The text of the line holding `location` and the line before it.
llvm::StringRef lines_around(clang::SourceLocation location, const clang::SourceManager& sources) {
  auto [file, offset] = sources.getDecomposedLoc(location);
  llvm::StringRef buffer = sources.getBufferData(file);
  size_t line_end = buffer.find('\n', offset);
  size_t line_start = buffer.rfind('\n', offset);
  if (line_start != llvm::StringRef::npos && line_start > 0)
    line_start = buffer.rfind('\n', line_start - 1);
  line_start = line_start == llvm::StringRef::npos ? 0 : line_start;
  return buffer.slice(line_start, line_end);
}

bool opted_out(const clang::FunctionDecl& function, const clang::SourceManager& sources) {
  clang::SourceLocation start = sources.getExpansionLoc(function.getBeginLoc());
  return lines_around(start, sources).contains(kSkipFunctionMarker);
}

// Every place the rewriter edits must be text of the main file, not the
// inside of a macro expansion.
bool edits_inside_macro(const clang::FunctionDecl& function) {
  const clang::Stmt* body = function.getBody();
  if (body->getBeginLoc().isMacroID() || body->getEndLoc().isMacroID()) return true;
  for (const clang::ParmVarDecl* param : function.parameters())
    if (param->getLocation().isMacroID()) return true;
  return false;
}

std::optional<std::string> reason_to_skip(const clang::FunctionDecl& function,
                                          const clang::SourceManager& sources) {
  const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(&function);
  if (method && method->getParent()->isLambda()) return "lambda (part of its enclosing function)";
  if (function.isDeleted()) return "deleted function";
  if (function.isDefaulted()) return "defaulted function";
  if (function.isMain()) return "main";
  if (llvm::isa<clang::CXXConstructorDecl>(function)) return "constructor";
  if (llvm::isa<clang::CXXDestructorDecl>(function)) return "destructor";
  if (function.isConsteval()) return "consteval function";
  if (function.isConstexpr()) return "constexpr function";
  switch (function.getTemplatedKind()) {
    case clang::FunctionDecl::TK_NonTemplate:
      break;
    case clang::FunctionDecl::TK_FunctionTemplate:
      return "function template";
    default:
      return "explicit specialization of a template";
  }
  if (function.isDependentContext()) return "member of a class template";
  if (function.isVariadic()) return "C variadic function";
  if (!function.getBody()) return "no body";
  if (llvm::isa<clang::CoroutineBodyStmt>(function.getBody())) return "coroutine";
  if (function.hasAttr<clang::NakedAttr>()) return "naked function";
  if (function.isMultiVersion()) return "multiversioned function";
  if (edits_inside_macro(function)) return "defined by a macro expansion";
  if (opted_out(function, sources)) return "opted out (softpatch: skip)";
  return std::nullopt;
}

}  // namespace

Eligibility eligibility(const clang::FunctionDecl& function, const clang::SourceManager& sources) {
  Eligibility result;
  // Implicit members and implicit template instantiations are not written in
  // the file; their template, if any, is what gets listed.
  if (function.isImplicit() || !function.isThisDeclarationADefinition() ||
      clang::isTemplateInstantiation(function.getTemplateSpecializationKind())) {
    result.listed = false;
    return result;
  }
  result.reason = reason_to_skip(function, sources);
  return result;
}

}  // namespace softpatch::rewriter
