#include "qualified_types.h"

#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/AST/NestedNameSpecifier.h"
#include "clang/AST/TemplateName.h"
#include "llvm/ADT/SmallVector.h"

namespace softpatch::rewriter {
namespace {

class Qualifier {
 public:
  explicit Qualifier(clang::ASTContext& context) : context_(context) {}

  clang::QualType type(clang::QualType type) {
    clang::SplitQualType split = type.split();
    return context_.getQualifiedType(bare(split.Ty), split.Quals);
  }

 private:
  clang::QualType bare(const clang::Type* type) {
    if (const auto* pointer = llvm::dyn_cast<clang::PointerType>(type))
      return context_.getPointerType(this->type(pointer->getPointeeType()));
    if (const auto* lvalue = llvm::dyn_cast<clang::LValueReferenceType>(type))
      return context_.getLValueReferenceType(this->type(lvalue->getPointeeTypeAsWritten()));
    if (const auto* rvalue = llvm::dyn_cast<clang::RValueReferenceType>(type))
      return context_.getRValueReferenceType(this->type(rvalue->getPointeeTypeAsWritten()));
    if (const auto* member = llvm::dyn_cast<clang::MemberPointerType>(type))
      return context_.getMemberPointerType(
          this->type(member->getPointeeType()),
          this->type(clang::QualType(member->getClass(), 0)).getTypePtr());
    if (const auto* array = llvm::dyn_cast<clang::ConstantArrayType>(type))
      return context_.getConstantArrayType(this->type(array->getElementType()), array->getSize(),
                                           nullptr, array->getSizeModifier(),
                                           array->getIndexTypeCVRQualifiers());
    if (const auto* array = llvm::dyn_cast<clang::IncompleteArrayType>(type))
      return context_.getIncompleteArrayType(this->type(array->getElementType()),
                                             array->getSizeModifier(),
                                             array->getIndexTypeCVRQualifiers());
    if (const auto* function = llvm::dyn_cast<clang::FunctionProtoType>(type)) {
      llvm::SmallVector<clang::QualType, 8> params;
      for (clang::QualType param : function->getParamTypes()) params.push_back(this->type(param));
      return context_.getFunctionType(this->type(function->getReturnType()), params,
                                      function->getExtProtoInfo());
    }
    if (const auto* atomic = llvm::dyn_cast<clang::AtomicType>(type))
      return context_.getAtomicType(this->type(atomic->getValueType()));
    if (const auto* tag = llvm::dyn_cast<clang::TagType>(type))
      return context_.getElaboratedType(clang::ETK_None, scope_of(*tag->getDecl()),
                                        clang::QualType(named(*tag), 0));
    return clang::QualType(type, 0);
  }

  // The tag's type as its name writes it: a specialization with its
  // template arguments, themselves qualified.
  const clang::Type* named(const clang::TagType& tag) {
    const auto* specialization =
        llvm::dyn_cast<clang::ClassTemplateSpecializationDecl>(tag.getDecl());
    if (!specialization) return &tag;
    llvm::SmallVector<clang::TemplateArgument, 4> arguments;
    for (const clang::TemplateArgument& argument : specialization->getTemplateArgs().asArray())
      arguments.push_back(this->argument(argument));
    return context_
        .getTemplateSpecializationType(
            clang::TemplateName(specialization->getSpecializedTemplate()), arguments,
            clang::QualType(&tag, 0))
        .getTypePtr();
  }

  clang::TemplateArgument argument(const clang::TemplateArgument& argument) {
    switch (argument.getKind()) {
      case clang::TemplateArgument::Type:
        return clang::TemplateArgument(type(argument.getAsType()));
      case clang::TemplateArgument::Pack: {
        llvm::SmallVector<clang::TemplateArgument, 4> elements;
        for (const clang::TemplateArgument& element : argument.pack_elements())
          elements.push_back(this->argument(element));
        return clang::TemplateArgument::CreatePackCopy(context_, elements);
      }
      case clang::TemplateArgument::Template: {
        clang::TemplateDecl* decl = argument.getAsTemplate().getAsTemplateDecl();
        if (!decl) return argument;
        return clang::TemplateArgument(
            context_.getQualifiedTemplateName(scope_of(*decl), /*TemplateKeyword=*/false, decl));
      }
      default:
        return argument;
    }
  }

  // The qualifier that names `decl` from `::`.
  clang::NestedNameSpecifier* scope_of(const clang::Decl& decl) {
    const clang::DeclContext* context = decl.getDeclContext();
    while (llvm::isa<clang::LinkageSpecDecl>(context) || llvm::isa<clang::ExportDecl>(context) ||
           is_transparent_namespace(*context))
      context = context->getParent();
    if (const auto* ns = llvm::dyn_cast<clang::NamespaceDecl>(context))
      return clang::NestedNameSpecifier::Create(context_, scope_of(*ns), ns);
    if (const auto* record = llvm::dyn_cast<clang::RecordDecl>(context)) {
      const auto* tag = llvm::cast<clang::TagType>(context_.getRecordType(record).getTypePtr());
      return clang::NestedNameSpecifier::Create(context_, scope_of(*record), /*Template=*/false,
                                                named(*tag));
    }
    // The translation unit; a function's local class is not for this.
    return clang::NestedNameSpecifier::GlobalSpecifier(context_);
  }

  static bool is_transparent_namespace(const clang::DeclContext& context) {
    const auto* ns = llvm::dyn_cast<clang::NamespaceDecl>(&context);
    return ns && (ns->isInline() || ns->isAnonymousNamespace());
  }

  clang::ASTContext& context_;
};

}  // namespace

clang::QualType fully_qualified(clang::QualType canonical, clang::ASTContext& context) {
  return Qualifier(context).type(canonical);
}

}  // namespace softpatch::rewriter
