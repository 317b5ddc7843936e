#include "eligibility.h"

#include "clang/AST/Attr.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/StmtCXX.h"
#include "llvm/ADT/STLExtras.h"

#include "header_functions.h"
#include "template_slots.h"

namespace softpatch::rewriter {
namespace {

// The line holding `location`, and the line before it.
std::pair<llvm::StringRef, llvm::StringRef> line_and_previous(clang::SourceLocation location,
                                                              const clang::SourceManager& sources) {
  auto [file, offset] = sources.getDecomposedLoc(location);
  llvm::StringRef buffer = sources.getBufferData(file);
  size_t start = buffer.rfind('\n', offset);
  start = start == llvm::StringRef::npos ? 0 : start + 1;
  llvm::StringRef line = buffer.slice(start, buffer.find('\n', offset));
  if (start == 0) return {line, ""};
  size_t previous_start = buffer.rfind('\n', start - 1);
  previous_start = previous_start == llvm::StringRef::npos ? 0 : previous_start + 1;
  return {line, buffer.slice(previous_start, start - 1)};
}

// The marker counts on the definition's first line, or alone in a comment on
// the line above (not trailing the previous function).
bool opted_out(const clang::FunctionDecl& function, const clang::SourceManager& sources) {
  clang::SourceLocation start = sources.getExpansionLoc(function.getBeginLoc());
  auto [line, previous] = line_and_previous(start, sources);
  if (line.contains(kSkipFunctionMarker)) return true;
  llvm::StringRef comment = previous.ltrim();
  return (comment.startswith("//") || comment.startswith("/*")) &&
         comment.contains(kSkipFunctionMarker);
}

std::optional<std::string> reason_to_skip(const clang::FunctionDecl& function,
                                          const clang::SourceManager& sources) {
  const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(&function);
  if (method && method->getParent()->isLambda()) return "lambda (part of its enclosing function)";
  if (function.isDeleted()) return "deleted function";
  if (function.isDefaulted()) return "defaulted function";
  if (function.isMain()) return "main";
  if (function.isConsteval()) return "consteval function";
  if (function.isConstexpr()) {
    // A C++11 constexpr body is one return statement: no room for a
    // trampoline. Later ones take it behind __builtin_is_constant_evaluated().
    if (!function.getASTContext().getLangOpts().CPlusPlus14)
      return "constexpr function under C++11";
    if (is_constructor_or_destructor(function))
      return std::string("constexpr ") + constructor_or_destructor(function);
  }
  // Explicit specializations are functions of their own, with a slot each.
  if (is_template_pattern(function))
    if (std::optional<std::string> problem = template_problem(function)) return problem;
  if (function.isVariadic()) return "C variadic function";
  if (!function.getBody()) return "no body";
  if (llvm::isa<clang::CoroutineBodyStmt>(function.getBody())) return "coroutine";
  // Its handler also catches what the member initialisers throw, and ends
  // by rethrowing: no body of its own for a patch to stand for.
  if (is_constructor_or_destructor(function) && llvm::isa<clang::CXXTryStmt>(function.getBody()))
    return std::string(constructor_or_destructor(function)) + " with a function-try-block";
  if (function.hasAttr<clang::NakedAttr>()) return "naked function";
  if (function.isMultiVersion()) return "multiversioned function";
  if (unnameable(function.getReturnType()))
    return "returns a lambda or a type declared inside a function";
  if (opted_out(function, sources)) return "opted out (softpatch: skip)";
  return std::nullopt;
}

}  // namespace

bool is_constructor_or_destructor(const clang::FunctionDecl& function) {
  return llvm::isa<clang::CXXConstructorDecl>(function) ||
         llvm::isa<clang::CXXDestructorDecl>(function);
}

const char* constructor_or_destructor(const clang::FunctionDecl& function) {
  return llvm::isa<clang::CXXConstructorDecl>(function) ? "constructor" : "destructor";
}

namespace {

// Whether `visit` holds for a tag that `type` names: under pointers,
// references, arrays, member pointers and function types, and in template
// arguments, packs' elements included.
bool any_tag(clang::QualType type, llvm::function_ref<bool(const clang::TagDecl&)> visit);

bool any_tag_in(const clang::TemplateArgument& argument,
                llvm::function_ref<bool(const clang::TagDecl&)> visit) {
  switch (argument.getKind()) {
    case clang::TemplateArgument::Type:
      return any_tag(argument.getAsType(), visit);
    case clang::TemplateArgument::Pack:
      for (const clang::TemplateArgument& element : argument.pack_elements())
        if (any_tag_in(element, visit)) return true;
      return false;
    default:
      return false;
  }
}

bool any_tag(clang::QualType type, llvm::function_ref<bool(const clang::TagDecl&)> visit) {
  type = type.getCanonicalType();
  if (const auto* pointer = type->getAs<clang::PointerType>())
    return any_tag(pointer->getPointeeType(), visit);
  if (const auto* reference = type->getAs<clang::ReferenceType>())
    return any_tag(reference->getPointeeType(), visit);
  if (const auto* member = type->getAs<clang::MemberPointerType>())
    return any_tag(member->getPointeeType(), visit) ||
           any_tag(clang::QualType(member->getClass(), 0), visit);
  if (const auto* array = type->getAsArrayTypeUnsafe())
    return any_tag(array->getElementType(), visit);
  if (const auto* proto = type->getAs<clang::FunctionProtoType>()) {
    for (clang::QualType param : proto->getParamTypes())
      if (any_tag(param, visit)) return true;
    return any_tag(proto->getReturnType(), visit);
  }
  const clang::TagDecl* tag = type->getAsTagDecl();
  if (!tag) return false;
  if (visit(*tag)) return true;
  // Its own template arguments and those of the classes around it
  // (`Outer<Local>::Inner`).
  for (const clang::DeclContext* context = tag; context; context = context->getParent())
    if (const auto* specialization =
            llvm::dyn_cast<clang::ClassTemplateSpecializationDecl>(context))
      for (const clang::TemplateArgument& argument : specialization->getTemplateArgs().asArray())
        if (any_tag_in(argument, visit)) return true;
  return false;
}

// A lambda's closure type, or a class declared inside a function, cannot be
// named where the trampoline stands (before its declaration, or at all).
bool is_unnameable(const clang::TagDecl& tag) {
  const auto* record = llvm::dyn_cast<clang::CXXRecordDecl>(&tag);
  return tag.getParentFunctionOrMethod() || (record && record->isLambda());
}

// A private or protected member, or one of such a class; a specialization
// of a member template has its template's access.
bool is_hidden_member(const clang::TagDecl& tag) {
  for (const clang::Decl* d = &tag; d; d = llvm::dyn_cast<clang::Decl>(d->getDeclContext())) {
    clang::AccessSpecifier access = d->getAccess();
    if (const auto* specialization = llvm::dyn_cast<clang::ClassTemplateSpecializationDecl>(d))
      access = specialization->getSpecializedTemplate()->getAccess();
    if (access == clang::AS_private || access == clang::AS_protected) return true;
    if (d->getDeclContext()->isFileContext()) break;
  }
  return false;
}

}  // namespace

bool unnameable(clang::QualType type) { return any_tag(type, is_unnameable); }

bool is_lambda_call(const clang::FunctionDecl& function) {
  const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(&function);
  return method && method->getParent()->isLambda();
}

bool is_local_class_member(const clang::FunctionDecl& function) {
  const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(&function);
  return method && method->getParent()->isLocalClass();
}

bool holds_captures(const clang::CXXRecordDecl& closure) { return closure.capture_size() != 0; }

std::optional<std::string> first_copied_capture(const clang::CXXRecordDecl& closure) {
  if (closure.capture_size() == 0) return std::nullopt;
  const clang::LambdaCapture& first = *closure.captures_begin();
  if (first.getCaptureKind() != clang::LCK_ByCopy || !first.capturesVariable()) return std::nullopt;
  return first.getCapturedVar()->getNameAsString();
}

// A class whose copies run code of the project's: a patch's copy of the
// lambda moves its closure once (UnitTable::add_lambda_entry()), which the
// program would see.
static bool copies_run_project_code(const clang::CXXRecordDecl& record) {
  const clang::SourceManager& sources = record.getASTContext().getSourceManager();
  if (sources.isInSystemHeader(record.getLocation())) return false;
  for (const clang::CXXConstructorDecl* constructor : record.ctors())
    if (constructor->isCopyOrMoveConstructor() && constructor->isUserProvided()) return true;
  return false;
}

// Why the slot's target of a lambda that captures could not be given its
// closure, or read the closure as the one it was made as, or nothing.
static std::optional<std::string> capture_problem(const clang::LambdaExpr& lambda) {
  // g++ and Clang lay implicit captures out in different orders (by first
  // use, which they count differently), and g++ captures some that Clang
  // does not (a name in `typeid`, in a discarded `if constexpr` branch):
  // the slot's target could not read the closure as its own.
  if (lambda.getCaptureDefault() != clang::LCD_None)
    return std::string("lambda with a capture default ([") +
           (lambda.getCaptureDefault() == clang::LCD_ByCopy ? "=" : "&") +
           "]), whose implicit captures compilers lay out each their own way (part of its "
           "enclosing function)";
  if (!holds_captures(*lambda.getLambdaClass())) return std::nullopt;
  // The closure is found by its first capture or by an init-capture
  // (insert_closure_anchor()).
  if (!first_copied_capture(*lambda.getLambdaClass()) &&
      !lambda.getCallOperator()->getASTContext().getLangOpts().CPlusPlus14)
    return "lambda whose first capture is not a copy, under C++11, which has no init-capture to "
           "find its closure by (part of its enclosing function)";
  for (const clang::LambdaCapture& capture : lambda.captures())
    if (capture.capturesVLAType())
      return "lambda capturing a variable-length array (part of its enclosing function)";
  // A patch passes the closure through a function (UnitTable::add_lambda_entry()).
  const clang::CXXRecordDecl& closure = *lambda.getLambdaClass();
  if (closure.defaultedMoveConstructorIsDeleted() && closure.defaultedCopyConstructorIsDeleted())
    return "lambda whose closure can be neither moved nor copied (part of its enclosing function)";
  // Such a class has no layout a patch is checked against.
  for (const clang::FieldDecl* field : closure.fields()) {
    if (unnameable(field->getType()))
      return "lambda capturing a lambda or a variable of a type declared inside a function (part "
             "of its enclosing function)";
    const clang::CXXRecordDecl* record = field->getType()->getAsCXXRecordDecl();
    if (record && record->hasDefinition() && copies_run_project_code(*record->getDefinition()))
      return "lambda capturing a " + record->getQualifiedNameAsString() +
             " by copy, whose copies run code a patch's copy of the lambda would run once more "
             "(part of its enclosing function)";
  }
  return std::nullopt;
}

std::optional<std::string> lambda_problem(const clang::LambdaExpr& lambda) {
  const clang::CXXMethodDecl& call = *lambda.getCallOperator();
  if (lambda.isGenericLambda()) return "generic lambda (part of its enclosing function)";
  if (call.isDependentContext()) return "lambda in a template (part of its enclosing function)";
  if (!llvm::isa<clang::FunctionDecl>(lambda.getLambdaClass()->getDeclContext()) ||
      is_lambda_call(*llvm::cast<clang::FunctionDecl>(lambda.getLambdaClass()->getDeclContext())))
    return "lambda outside a function, or inside another lambda (part of its enclosing function)";
  if (call.isConsteval()) return "consteval lambda (part of its enclosing function)";
  if (call.isVariadic()) return "C variadic lambda (part of its enclosing function)";
  if (unnameable(call.getReturnType()))
    return "lambda that returns a lambda or a type declared inside a function (part of its "
           "enclosing function)";
  // Such a class has no layout a patch is checked against.
  for (const clang::ParmVarDecl* parameter : call.parameters())
    if (unnameable(parameter->getType()))
      return "lambda with a parameter of a type declared inside a function (part of its "
             "enclosing function)";
  // A patch's body would have a static of its own.
  if (const clang::VarDecl* variable = static_variable_of(call))
    return "lambda with a static variable (" + variable->getNameAsString() +
           ") (part of its enclosing function)";
  return capture_problem(lambda);
}

bool nameable_at_namespace_scope(clang::QualType type) {
  return !any_tag(
      type, [](const clang::TagDecl& tag) { return is_unnameable(tag) || is_hidden_member(tag); });
}

SkippedFunction skipped_function(const clang::FunctionDecl& function, unsigned line,
                                 std::string reason, std::string file) {
  return {function.getQualifiedNameAsString(), line, std::move(reason), std::move(file),
          function.getType().getAsString()};
}

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
