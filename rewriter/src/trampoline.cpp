#include "trampoline.h"

#include <algorithm>
#include <optional>

#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/StmtCXX.h"
#include "clang/AST/TypeLoc.h"
#include "clang/Lex/Lexer.h"

#include "body_members.h"
#include "eligibility.h"
#include "softpatch/rewriter/patcher.h"
#include "softpatch/rewriter/text_hash.h"
#include "source_text.h"

namespace softpatch::rewriter {

std::string parameter_name(unsigned index) { return "__softpatch_arg" + std::to_string(index); }

std::string slot_expression(unsigned index) {
  return "::__softpatch_slots[" + std::to_string(index) + "]";
}

EditPoints::EditPoints(const clang::FunctionDecl& function) {
  const clang::Stmt* body = function.getBody();
  if (const auto* try_block = llvm::dyn_cast<clang::CXXTryStmt>(body)) {
    body_start = try_block->getTryLoc();
    body_end = try_block->getEndLoc();
  } else {
    body_start = llvm::cast<clang::CompoundStmt>(body)->getLBracLoc();
  }
  body_last = body->getEndLoc();
  for (const clang::ParmVarDecl* param : function.parameters())
    if (param->getName().empty()) unnamed_parameters.push_back(param->getLocation());
}

bool EditPoints::all_editable(const TextEdits& edits) const {
  if (!edits.can_edit(body_start)) return false;
  if (body_end.isValid() && !edits.can_edit(body_end)) return false;
  return std::all_of(unnamed_parameters.begin(), unnamed_parameters.end(),
                     [&](clang::SourceLocation l) { return edits.can_edit(l); });
}

std::vector<std::string> name_parameters(const clang::FunctionDecl& function, TextEdits& edits) {
  std::vector<std::string> names;
  for (unsigned i = 0; i < function.getNumParams(); ++i) {
    const clang::ParmVarDecl* param = function.getParamDecl(i);
    if (!param->getName().empty()) {
      names.push_back(param->getNameAsString());
      continue;
    }
    names.push_back(parameter_name(i));
    edits.insert_before(param->getLocation(), " " + names.back() + " ");
  }
  return names;
}

// A template's return type as its declaration writes it, which names the
// same type in its body, whatever the instantiation: printed, a member
// typedef of the class template may come out as one instantiation's
// (fmt's `-> iterator` as `basic_string_view<char>::iterator`). Nothing
// when the text is a macro's or cannot be read.
static std::optional<std::string> written_return_type(const clang::FunctionDecl& function) {
  if (!function.isDependentContext()) return std::nullopt;
  clang::FunctionTypeLoc type = function.getFunctionTypeLoc();
  if (!type) return std::nullopt;
  const clang::ASTContext& context = function.getASTContext();
  return written_type_text(type.getReturnLoc(), context.getSourceManager(), context.getLangOpts());
}

// `::__softpatch_call<R, ...>(args..., target)`.
static std::string forwarded_call(const clang::FunctionDecl& function, const std::string& target,
                                  const std::vector<std::string>& parameter_names,
                                  const Naming& naming) {
  std::string types = written_return_type(function).value_or(naming.spell_return_type(function));
  std::string arguments;
  const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(&function);
  if (is_lambda_call(function)) {
    // `this` is the enclosing object's: the closure goes by its first
    // member (insert_closure_anchor()), or, when it holds nothing, as null.
    types += ", const void*";
    const clang::CXXRecordDecl& closure = *method->getParent();
    std::optional<std::string> first = first_copied_capture(closure);
    arguments += "static_cast<const void*>(" +
                 (first                     ? "__builtin_addressof(" + *first + ")"
                  : holds_captures(closure) ? std::string("&__softpatch_self")
                                            : std::string("nullptr")) +
                 "), ";
  } else if (method && method->isInstance()) {
    types += ", decltype(this)";
    arguments += "this, ";
  }
  for (unsigned i = 0; i < parameter_names.size(); ++i) {
    const std::string& name = parameter_names[i];
    if (is_constructor_or_destructor(function) &&
        reaches_body_by_reference(*function.getParamDecl(i))) {
      types += ", decltype(" + name + ")&";
      arguments += name + ", ";
      continue;
    }
    // A template's parameter pack passes on as a pack.
    std::string each = function.getParamDecl(i)->isParameterPack() ? "..." : "";
    types += ", decltype(" + name + ")" + each;
    // By-value parameters are moved on, references passed as they are.
    arguments += "static_cast<decltype(" + name + ")&&>(" + name + ")" + each + ", ";
  }
  // The target last: the arguments stay where they came in.
  return "::__softpatch_call<" + types + ">(" + arguments + target + ")";
}

std::string forwarding_statement(const clang::FunctionDecl& function, const std::string& target,
                                 const std::vector<std::string>& parameter_names,
                                 const Naming& naming) {
  std::string call = forwarded_call(function, target, parameter_names, naming);
  if (function.isNoReturn()) return "{ " + call + "; __builtin_trap(); }";
  // A constructor returns no value, not even a void one.
  if (is_constructor_or_destructor(function)) return "{ " + call + "; return; }";
  return "return " + call + ";";
}

bool lambda_editable(const clang::LambdaExpr& lambda, const TextEdits& edits) {
  return EditPoints(*lambda.getCallOperator()).all_editable(edits) &&
         edits.can_edit(lambda.getBeginLoc()) && edits.can_edit(lambda.getEndLoc()) &&
         edits.can_edit(lambda.getIntroducerRange().getBegin());
}

void insert_closure_anchor(const clang::LambdaExpr& lambda, TextEdits& edits) {
  const clang::CXXRecordDecl& closure = *lambda.getLambdaClass();
  if (!holds_captures(closure) || first_copied_capture(closure)) return;
  // It captures, with no capture default (lambda_problem()): something is
  // written between the brackets.
  edits.insert_after(lambda.getIntroducerRange().getBegin(),
                     "__softpatch_self = ::__softpatch_anchor{}, ");
}

namespace {
constexpr llvm::StringLiteral kHeaderSlotPrefix = "__softpatch_header_slot_";
constexpr llvm::StringLiteral kBoundHeaderSlotPrefix = "__softpatch_bound_header_slot_";
}  // namespace

std::string header_slot_symbol(llvm::StringRef id) {
  return kHeaderSlotPrefix.str() + text_hash(id);
}

std::string header_slot_expression(llvm::StringRef id) { return "::" + header_slot_symbol(id); }

std::string header_slot_definition(llvm::StringRef id, HeaderSlot kind) {
  std::string symbol = header_slot_symbol(id);
  switch (kind) {
    case HeaderSlot::kShared:
      return "__attribute__((weak, visibility(\"default\"))) ::__softpatch_slot " + symbol + ";";
    case HeaderSlot::kOwn:
      return "__attribute__((weak, visibility(\"hidden\"))) ::__softpatch_slot " + symbol + ";";
    case HeaderSlot::kBound:
      // Under its own name, no other module's default-visibility slot of
      // the function can take the reference.
      return "extern __attribute__((visibility(\"default\"))) ::__softpatch_slot " + symbol +
             " __asm__(\"" + *bound_header_slot_symbol(symbol) + "\");";
  }
  return "";
}

std::optional<std::string> bound_header_slot_symbol(llvm::StringRef symbol) {
  if (!symbol.startswith(kHeaderSlotPrefix)) return std::nullopt;
  return kBoundHeaderSlotPrefix.str() + symbol.drop_front(kHeaderSlotPrefix.size()).str();
}

std::string trampoline(const clang::FunctionDecl& function, const std::string& slot,
                       const std::vector<std::string>& parameter_names, const Naming& naming) {
  std::string action =
      forwarding_statement(function, "__softpatch_target", parameter_names, naming);
  // A constructor's or destructor's body cannot run alone: a mock that
  // passes through to it (a spy) asks for it to run here, when it returns.
  if (is_constructor_or_destructor(function))
    action = "{ ::__softpatch_resume_scope __softpatch_scope; " +
             forwarded_call(function, "__softpatch_target", parameter_names, naming) +
             "; if (__builtin_expect(!__softpatch_scope.resumes(this), 1)) " +
             (function.isNoReturn() ? "__builtin_trap();" : "return;") + " }";
  std::string load =
      "::__softpatch_raw_function __softpatch_target = ::__softpatch_target_of(" + slot + ")";
  // C++17's if-with-initialiser lets the one load carry the branch hint;
  // older standards get a plain declaration condition.
  std::string jump =
      function.getASTContext().getLangOpts().CPlusPlus17
          ? " if (" + load + "; __builtin_expect(__softpatch_target != nullptr, 0)) " + action
          : " if (" + load + ") " + action;
  // Constant evaluation runs the body as written: a slot is for calls at
  // run time.
  if (function.isConstexpr()) return " if (!__builtin_is_constant_evaluated()) {" + jump + " }";
  return jump;
}

}  // namespace softpatch::rewriter
