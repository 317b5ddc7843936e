#include "lambda_slots.h"

#include "trampoline.h"

namespace softpatch::rewriter {

const clang::FunctionDecl& enclosing_function(const clang::LambdaExpr& lambda) {
  return *llvm::cast<clang::FunctionDecl>(lambda.getLambdaClass()->getDeclContext());
}

const std::string& detail_of(const LambdaSlots& slots, const clang::LambdaExpr* lambda) {
  static const std::string kNothing;
  for (const auto& [each, detail] : slots)
    if (each == lambda) return detail;
  return kNothing;
}

LambdaSlots lambda_slots(const Findings& found,
                         const std::map<const clang::FunctionDecl*, std::string>& without_slot,
                         const TextEdits& edits, const Naming& naming) {
  LambdaSlots slots;
  for (const auto& [lambda, problem] : found.function_lambdas) {
    std::string& detail = slots.emplace_back(lambda, "").second;
    if (!problem.empty())
      detail = problem;
    else if (without_slot.count(&enclosing_function(*lambda)))
      detail = "lambda of a function without a slot (part of its enclosing function)";
    else if (!lambda_editable(*lambda, edits))
      detail =
          "lambda produced by a macro in a way that cannot be rewritten (part of its "
          "enclosing function)";
    else
      detail = "slot " + naming.id(*lambda->getCallOperator());
  }
  return slots;
}

}  // namespace softpatch::rewriter
