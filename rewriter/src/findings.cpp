#include "findings.h"

#include <set>

#include "clang/AST/DeclCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"

#include "eligibility.h"
#include "template_slots.h"

namespace softpatch::rewriter {
namespace {

bool is_template_variable(const clang::VarDecl& variable) {
  // A static data member of a class template's instantiation is one too.
  return variable.getDescribedVarTemplate() ||
         clang::isTemplateInstantiation(variable.getTemplateSpecializationKind()) ||
         llvm::isa<clang::VarTemplateSpecializationDecl>(variable) ||
         variable.getType()->isDependentType() || variable.isTemplated();
}

bool is_definition(const clang::VarDecl& variable) {
  return variable.isThisDeclarationADefinition() == clang::VarDecl::Definition;
}

class Collector : public clang::RecursiveASTVisitor<Collector> {
 public:
  Collector(const clang::SourceManager& sources, Findings& findings)
      : sources_(sources), findings_(findings) {}

  bool VisitFunctionDecl(clang::FunctionDecl* function) {
    if (!in_main_file(*function, sources_)) return true;
    Eligibility verdict = eligibility(*function, sources_);
    if (verdict.eligible() && is_template_pattern(*function)) {
      findings_.templates.push_back(function);
    } else if (verdict.eligible()) {
      findings_.functions.push_back(function);
      eligible_.insert(function);
    } else if (verdict.listed) {
      findings_.skipped.push_back(
          skipped_function(*function, line_of(*function, sources_), *verdict.reason));
    }
    return true;
  }

  bool VisitLambdaExpr(clang::LambdaExpr* lambda) {
    clang::CXXMethodDecl* call = lambda->getCallOperator();
    if (!in_main_file(*call, sources_)) return true;
    // An instantiation's lambda is its template's, listed with it.
    if (const auto* function =
            llvm::dyn_cast<clang::FunctionDecl>(lambda->getLambdaClass()->getDeclContext());
        function && clang::isTemplateInstantiation(function->getTemplateSpecializationKind()))
      return true;
    const auto* enclosing =
        llvm::dyn_cast<clang::FunctionDecl>(lambda->getLambdaClass()->getDeclContext());
    std::optional<std::string> problem = lambda_problem(*lambda);
    // Its place is counted among the lambdas of the body (Naming::id).
    bool outside = enclosing && !in_body(*lambda, *enclosing);
    if (!problem && outside)
      problem =
          "lambda outside its function's body (a default argument, a member initialiser) "
          "(part of its enclosing function)";
    bool in_eligible = enclosing && eligible_.count(enclosing) && !outside;
    if (in_eligible) findings_.function_lambdas.emplace_back(lambda, problem.value_or(""));
    if (!problem && !in_eligible)
      problem = "lambda of a function without a slot (part of its enclosing function)";
    if (!problem) {
      findings_.lambdas.push_back(lambda);
      return true;
    }
    findings_.skipped.push_back(
        {"lambda", line_of(*call, sources_), *problem, "", call->getType().getAsString()});
    return true;
  }

  bool VisitVarDecl(clang::VarDecl* variable) {
    // Structured bindings (and their parts) have no name to bind by.
    if (!in_main_file(*variable, sources_) || is_template_variable(*variable) ||
        llvm::isa<clang::ParmVarDecl>(variable) || llvm::isa<clang::DecompositionDecl>(variable) ||
        variable->getName().empty())
      return true;
    if (variable->isStaticLocal()) {
      const auto* function =
          llvm::dyn_cast_or_null<clang::FunctionDecl>(variable->getParentFunctionOrMethod());
      if (function && eligible_.count(function) && is_mutable_variable(*variable))
        findings_.local_statics.push_back(variable);
    } else if (variable->isStaticDataMember()) {
      if (!is_definition(*variable)) return true;
      if (!variable->isExternallyVisible()) {
        // A constant's copy is as good as the program's.
        if (is_mutable_variable(*variable)) findings_.unshared_static_members.push_back(variable);
      } else if (variable->isOutOfLine() && !variable->isInline()) {
        findings_.static_member_definitions.push_back(variable);
      }
    } else if (variable->isFileVarDecl() && is_definition(*variable)) {
      if (!variable->isExternallyVisible()) {
        if (is_mutable_variable(*variable)) findings_.internal_variables.push_back(variable);
      } else if (!variable->isInline()) {
        findings_.external_variables.push_back(variable);
      }
    }
    return true;
  }

 private:
  bool in_body(const clang::LambdaExpr& lambda, const clang::FunctionDecl& function) const {
    const clang::Stmt* body = function.getBody();
    if (!body) return false;
    clang::SourceLocation at = lambda.getBeginLoc();
    return !sources_.isBeforeInTranslationUnit(at, body->getBeginLoc()) &&
           !sources_.isBeforeInTranslationUnit(body->getEndLoc(), at);
  }

  const clang::SourceManager& sources_;
  Findings& findings_;
  std::set<const clang::FunctionDecl*> eligible_;
};

}  // namespace

bool is_mutable_variable(const clang::VarDecl& variable) {
  return !variable.isConstexpr() && !variable.getType().isConstQualified();
}

bool in_main_file(const clang::Decl& decl, const clang::SourceManager& sources) {
  return sources.isInMainFile(sources.getExpansionLoc(decl.getLocation()));
}

unsigned line_of(const clang::Decl& decl, const clang::SourceManager& sources) {
  return sources.getExpansionLineNumber(decl.getLocation());
}

Findings collect(const std::vector<clang::Decl*>& top_level, const clang::SourceManager& sources) {
  Findings findings;
  Collector collector(sources, findings);
  for (clang::Decl* decl : top_level) collector.TraverseDecl(decl);
  return findings;
}

}  // namespace softpatch::rewriter
