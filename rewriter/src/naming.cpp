#include "naming.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/QualTypeNames.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "eligibility.h"
#include "layouts.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"
#include "qualified_types.h"
#include "softpatch/rewriter/text_hash.h"

namespace softpatch::rewriter {
namespace {

clang::PrintingPolicy make_code_policy(const clang::LangOptions& options) {
  clang::PrintingPolicy policy(options);
  policy.SuppressUnwrittenScope = true;  // no "(anonymous namespace)::", no inline namespaces
  policy.SuppressTagKeyword = true;
  policy.FullyQualifiedName = true;
  policy.PrintCanonicalTypes = false;
  return policy;
}

clang::PrintingPolicy make_readable_policy(const clang::LangOptions& options) {
  clang::PrintingPolicy policy(options);
  policy.SuppressTagKeyword = true;
  policy.SuppressUnwrittenScope = true;
  policy.FullyQualifiedName = true;
  return policy;
}

// Whether something that is not a type shares the tag's name in its scope
// (`struct stat` and the function `stat`): the bare name would name that.
bool name_is_hidden(const clang::TagDecl& tag) {
  if (!tag.getDeclName()) return false;
  for (const clang::NamedDecl* found :
       tag.getDeclContext()->getRedeclContext()->lookup(tag.getDeclName()))
    if (!llvm::isa<clang::TypeDecl>(found) && !llvm::isa<clang::TemplateDecl>(found)) return true;
  return false;
}

// `type` (as getFullyQualifiedType makes it) with its tag keyword written
// where the tag's name is hidden: `struct ::stat *`, not `::stat *`. Under
// pointers and references; template arguments keep the name.
clang::QualType elaborate_hidden_tags(clang::QualType type, clang::ASTContext& context) {
  const clang::Type* bare = type.getTypePtr();
  clang::QualType out;
  if (const auto* pointer = llvm::dyn_cast<clang::PointerType>(bare)) {
    out = context.getPointerType(elaborate_hidden_tags(pointer->getPointeeType(), context));
  } else if (const auto* lvalue = llvm::dyn_cast<clang::LValueReferenceType>(bare)) {
    out = context.getLValueReferenceType(
        elaborate_hidden_tags(lvalue->getPointeeTypeAsWritten(), context));
  } else if (const auto* rvalue = llvm::dyn_cast<clang::RValueReferenceType>(bare)) {
    out = context.getRValueReferenceType(
        elaborate_hidden_tags(rvalue->getPointeeTypeAsWritten(), context));
  } else if (const auto* elaborated = llvm::dyn_cast<clang::ElaboratedType>(bare);
             elaborated && elaborated->getKeyword() == clang::ETK_None) {
    const auto* tag = elaborated->getNamedType()->getAs<clang::TagType>();
    if (tag && name_is_hidden(*tag->getDecl()))
      out = context.getElaboratedType(
          clang::TypeWithKeyword::getKeywordForTagTypeKind(tag->getDecl()->getTagKind()),
          elaborated->getQualifier(), elaborated->getNamedType());
  }
  if (out.isNull()) return type;
  return context.getQualifiedType(out, type.getLocalQualifiers());
}

// The function whose body holds the lambda whose call operator is `call`.
const clang::FunctionDecl* lambda_enclosing(const clang::CXXMethodDecl& call) {
  return llvm::cast<clang::FunctionDecl>(call.getParent()->getDeclContext());
}

// Which of its enclosing function's lambdas `call`'s is, in the order of
// the text ("0/2" for the first of two): a lambda added or removed before
// another changes the places of all, so no slot leads to another's body.
std::string lambda_ordinal(const clang::CXXMethodDecl& call) {
  class Counter : public clang::RecursiveASTVisitor<Counter> {
   public:
    explicit Counter(const clang::DeclContext& enclosing) : enclosing_(enclosing) {}
    bool VisitLambdaExpr(clang::LambdaExpr* lambda) {
      if (lambda->getLambdaClass()->getDeclContext() == &enclosing_)
        closures.push_back(lambda->getLambdaClass());
      return true;
    }
    std::vector<const clang::CXXRecordDecl*> closures;

   private:
    const clang::DeclContext& enclosing_;
  };
  const clang::FunctionDecl& enclosing = *lambda_enclosing(call);
  Counter counter(enclosing);
  counter.TraverseStmt(enclosing.getBody());
  auto at = std::find(counter.closures.begin(), counter.closures.end(), call.getParent());
  return std::to_string(at - counter.closures.begin()) + "/" +
         std::to_string(counter.closures.size());
}

}  // namespace

// A lambda's id: its enclosing function's, which lambda of it it is, and
// its parameters, so that a lambda keeps its id while it keeps its place.
std::string Naming::lambda_place(const clang::CXXMethodDecl& call) const {
  return id(*lambda_enclosing(call)) + "::lambda#" + lambda_ordinal(call);
}

std::string Naming::lambda_name(const clang::CXXMethodDecl& call) const {
  const clang::SourceManager& sources = context_.getSourceManager();
  return readable_name(*lambda_enclosing(call)) + "::<lambda at line " +
         std::to_string(sources.getExpansionLineNumber(call.getLocation())) + ">";
}

std::string Naming::lambda_id(const clang::CXXMethodDecl& call) const {
  std::string text = lambda_place(call) + "(";
  for (unsigned i = 0; i < call.getNumParams(); ++i)
    text += (i ? ", " : "") + canonical(call.getParamDecl(i)->getType());
  text += call.isConst() ? ") const" : ")";
  return text + lambda_captures(*call.getParent());
}

std::string Naming::lambda_captures(const clang::CXXRecordDecl& closure) const {
  if (closure.capture_size() == 0) return "";
  // The closure's members, in the order the captures are laid out.
  std::string text = " [";
  auto field = closure.field_begin();
  for (const clang::LambdaCapture& capture : closure.captures()) {
    if (capture.getCaptureKind() == clang::LCK_VLAType) return text + "?]";
    if (field == closure.field_end()) break;
    text += text.size() > 2 ? ", " : "";
    if (capture.capturesThis())
      text += capture.getCaptureKind() == clang::LCK_StarThis ? "*this" : "this";
    else
      text += capture.getCapturedVar()->getNameAsString();
    text += ": " + canonical(field->getType());
    ++field;
  }
  // What the names above do not say: an enum's underlying type, a member of
  // a class template's instantiation, an unnamed struct's.
  return text + "] " + text_hash(object_layout(context_.getRecordType(&closure), context_));
}

Naming::Naming(clang::ASTContext& context, std::string project_file)
    : context_(context),
      project_file_(std::move(project_file)),
      translation_unit_file_(project_file_),
      mangler_(clang::ItaniumMangleContext::create(context, context.getDiagnostics())),
      code_policy_(make_code_policy(context.getLangOpts())),
      readable_policy_(make_readable_policy(context.getLangOpts())) {}

std::string Naming::id(const clang::FunctionDecl& function) const {
  if (is_lambda_call(function)) return lambda_id(llvm::cast<clang::CXXMethodDecl>(function));
  std::string mangled;
  if (mangler_->shouldMangleDeclName(&function)) {
    llvm::raw_string_ostream out(mangled);
    // Constructors and destructors have variants: the complete object's
    // names the function.
    if (const auto* constructor = llvm::dyn_cast<clang::CXXConstructorDecl>(&function))
      mangler_->mangleName(clang::GlobalDecl(constructor, clang::Ctor_Complete), out);
    else if (const auto* destructor = llvm::dyn_cast<clang::CXXDestructorDecl>(&function))
      mangler_->mangleName(clang::GlobalDecl(destructor, clang::Dtor_Complete), out);
    else
      mangler_->mangleName(clang::GlobalDecl(&function), out);
  } else {
    mangled = function.getNameAsString();
  }
  if (function.isExternallyVisible()) return mangled;
  // Local by its arguments, not by its template: each file has its own.
  const clang::FunctionDecl* pattern = function.getTemplateInstantiationPattern();
  if (pattern && pattern->isExternallyVisible()) return translation_unit_file_ + ":" + mangled;
  return project_file_ + ":" + mangled;
}

std::string with_template_arguments(const std::string& name, const std::string& arguments) {
  bool apart = !arguments.empty() && !name.empty() &&
               !(std::isalnum(static_cast<unsigned char>(name.back())) || name.back() == '_');
  return name + (apart ? " " : "") + arguments;
}

std::string Naming::readable_name(const clang::FunctionDecl& function) const {
  std::string name = function.getQualifiedNameAsString();
  if (is_lambda_call(function)) name = lambda_name(llvm::cast<clang::CXXMethodDecl>(function));
  const auto* conversion = llvm::dyn_cast<clang::CXXConversionDecl>(&function);
  // A conversion template as written (`operator U`), an instantiation's by
  // the type it converts to (`operator long`), which says all its argument does.
  if (conversion && conversion->getDescribedFunctionTemplate())
    name = conversion->getParent()->getQualifiedNameAsString() + "::operator " +
           conversion->getConversionType().getAsString(readable_policy_);
  // A function template's instantiation or specialization: `twice<int>`,
  // `operator< <int>`.
  const clang::TemplateArgumentList* arguments = function.getTemplateSpecializationArgs();
  if (arguments && !conversion) {
    std::string text;
    llvm::raw_string_ostream out(text);
    clang::printTemplateArgumentList(out, arguments->asArray(), readable_policy_);
    out.flush();
    name = with_template_arguments(name, text);
  }
  name += "(";
  for (unsigned i = 0; i < function.getNumParams(); ++i) {
    if (i) name += ", ";
    name += function.getParamDecl(i)->getType().getAsString(readable_policy_);
  }
  name += ")";
  if (const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(&function)) {
    if (method->isConst()) name += " const";
    if (method->isVolatile()) name += " volatile";
    if (method->getRefQualifier() == clang::RQ_LValue) name += " &";
    if (method->getRefQualifier() == clang::RQ_RValue) name += " &&";
  }
  return name;
}

std::string Naming::signature(const clang::FunctionDecl& function) const {
  std::string text = canonical(function.getReturnType()) + " (";
  bool first = true;
  auto add = [&](clang::QualType type) {
    if (!first) text += ", ";
    first = false;
    text += canonical(type);
  };
  // A lambda's target takes the closure first, which has no name.
  if (is_lambda_call(function))
    add(context_.getPointerType(context_.VoidTy.withConst()));
  else if (const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(&function);
           method && method->isInstance())
    add(method->getThisType());
  for (const clang::ParmVarDecl* param : function.parameters()) add(param->getType());
  return text + ")";
}

std::string Naming::qualified_class(const clang::CXXRecordDecl& record) const {
  std::string name;
  for (const clang::DeclContext* context = &record; !context->isTranslationUnit();
       context = context->getParent()) {
    if (llvm::isa<clang::LinkageSpecDecl>(context)) continue;
    if (const auto* ns = llvm::dyn_cast<clang::NamespaceDecl>(context)) {
      if (!ns->isAnonymousNamespace()) name = "::" + ns->getNameAsString() + name;
      continue;
    }
    const auto* outer = llvm::dyn_cast<clang::CXXRecordDecl>(context);
    if (!outer || !outer->getIdentifier() ||
        llvm::isa<clang::ClassTemplateSpecializationDecl>(outer))
      return spell(context_.getRecordType(&record));
    name = "::" + outer->getNameAsString() + name;
  }
  return name;
}

std::string Naming::qualified_member(const clang::CXXMethodDecl& method) const {
  std::string name = method.getNameAsString();
  if (const auto* conversion = llvm::dyn_cast<clang::CXXConversionDecl>(&method)) {
    std::string type = spell(conversion->getConversionType());
    if (type.find_first_of("([") != std::string::npos) return "";
    name = "operator " + type;
  }
  return qualified_class(*method.getParent()) + "::" + name;
}

std::string Naming::canonical(clang::QualType type) const {
  return type.getCanonicalType().getAsString(readable_policy_);
}

std::string Naming::spell(clang::QualType type) const {
  // Deduced types (auto, decltype(auto)) only resolve through the canonical
  // type; everything else keeps its sugar, which reads better in errors.
  if (type->getContainedDeducedType()) type = type.getCanonicalType();
  // Clang's qualifier for sugar; ours for a canonical type, which it would
  // leave half bare (qualified_types.h).
  clang::QualType qualified = type.isCanonical() ? fully_qualified(type, context_)
                                                 : clang::TypeName::getFullyQualifiedType(
                                                       type, context_, /*WithGlobalNsPrefix=*/true);
  std::string spelled = elaborate_hidden_tags(qualified, context_).getAsString(code_policy_);
  // A decltype is qualified as if it were a name ("::fmt::decltype(ctx.out())"),
  // and its expression may name what is not in scope where the spelling goes:
  // spell the type it stands for.
  if (spelled.find("decltype(") != std::string::npos && !type.isCanonical())
    return spell(type.getCanonicalType());
  return spelled;
}

std::string Naming::spell_return_type(const clang::FunctionDecl& function) const {
  clang::QualType type = function.getReturnType();
  if (type->getContainedDeducedType()) type = type.getCanonicalType();
  if (!type->isRecordType()) type = type.getUnqualifiedType();
  return spell(type);
}

}  // namespace softpatch::rewriter
