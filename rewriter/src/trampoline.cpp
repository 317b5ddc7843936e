#include "trampoline.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"

namespace softpatch::rewriter {

std::string parameter_name(unsigned index) { return "__softpatch_arg" + std::to_string(index); }

std::string slot_expression(unsigned index) {
  return "::__softpatch_slots[" + std::to_string(index) + "]";
}

std::string trampoline(const clang::FunctionDecl& function, unsigned slot_index,
                       const std::vector<std::string>& parameter_names, const Naming& naming) {
  std::string types = naming.spell_return_type(function);
  std::string arguments = "__softpatch_target";
  const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(&function);
  if (method && method->isInstance()) {
    types += ", decltype(this)";
    arguments += ", this";
  }
  for (const std::string& name : parameter_names) {
    types += ", decltype(" + name + ")";
    // By-value parameters are moved on, references passed as they are.
    arguments += ", static_cast<decltype(" + name + ")&&>(" + name + ")";
  }
  std::string call = "::__softpatch_call<" + types + ">(" + arguments + ")";
  std::string action =
      function.isNoReturn() ? "{ " + call + "; __builtin_trap(); }" : "return " + call + ";";
  std::string load = "::__softpatch_raw_function __softpatch_target = ::__softpatch_target_of(" +
                     slot_expression(slot_index) + ")";
  // C++17's if-with-initialiser lets the one load carry the branch hint;
  // older standards get a plain declaration condition.
  if (function.getASTContext().getLangOpts().CPlusPlus17)
    return " if (" + load + "; __builtin_expect(__softpatch_target != nullptr, 0)) " + action;
  return " if (" + load + ") " + action;
}

}  // namespace softpatch::rewriter
