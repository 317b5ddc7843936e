#include "layouts.h"

#include <functional>
#include <map>
#include <set>

#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/AST/RecordLayout.h"
#include "clang/AST/RecursiveASTVisitor.h"

#include "project_files.h"

namespace softpatch::rewriter {
namespace {

std::string fingerprint(const clang::CXXRecordDecl& record, clang::ASTContext& context) {
  const clang::ASTRecordLayout& layout = context.getASTRecordLayout(&record);
  clang::PrintingPolicy policy(context.getLangOpts());
  policy.SuppressUnwrittenScope = true;
  policy.AnonymousTagLocations = false;  // "(anonymous union)": edits move lines
  std::string text = "size " + std::to_string(layout.getSize().getQuantity()) + " align " +
                     std::to_string(layout.getAlignment().getQuantity());
  for (const clang::CXXBaseSpecifier& base : record.bases()) {
    const clang::CXXRecordDecl* base_record = base.getType()->getAsCXXRecordDecl();
    if (!base_record) continue;
    text += " | base " + base.getType().getCanonicalType().getAsString(policy);
    if (!base.isVirtual())
      text += " @" + std::to_string(layout.getBaseClassOffset(base_record).getQuantity());
    else
      text += " virtual";
  }
  unsigned index = 0;
  for (const clang::FieldDecl* field : record.fields()) {
    uint64_t bits = layout.getFieldOffset(index++);
    text +=
        " | " + field->getType().getCanonicalType().getAsString(policy) + " " +
        field->getNameAsString() +
        (field->isBitField() ? " @bit " + std::to_string(bits) : " @" + std::to_string(bits / 8));
  }
  // A class with a non-trivial copy, move or destructor is passed to and
  // returned from functions by address: adding one (`~Sample() {}`) changes
  // every call that passes one, without changing a byte of the object.
  if (!record.canPassInRegisters()) text += " | passed by address";
  // Without exception specifications: they change neither the vtable nor a
  // call, and an implicit destructor's is worked out only when something
  // asks (a precompiled preamble may have, or not).
  for (const clang::CXXMethodDecl* method : record.methods())
    if (method->isVirtual())
      text += " | virtual " + method->getNameAsString() + " " +
              context.getFunctionTypeWithExceptionSpec(method->getType(), clang::EST_None)
                  .getCanonicalType()
                  .getAsString(policy);
  return text;
}

class Collector : public clang::RecursiveASTVisitor<Collector> {
 public:
  Collector(clang::ASTContext& context, const std::string& root)
      : context_(context), project_(context.getSourceManager(), root) {}

  bool TraverseDecl(clang::Decl* decl) {
    // Nothing of ours lives in system headers: do not even walk them.
    if (decl && !llvm::isa<clang::TranslationUnitDecl>(decl) &&
        context_.getSourceManager().isInSystemHeader(decl->getLocation()))
      return true;
    return clang::RecursiveASTVisitor<Collector>::TraverseDecl(decl);
  }

  bool VisitCXXRecordDecl(clang::CXXRecordDecl* record) {
    if (!record->isThisDeclarationADefinition() || record->isDependentType() ||
        record->isInvalidDecl() || record->isLambda() || record->isLocalClass() ||
        !record->getIdentifier() || !in_project(*record))
      return true;
    add(*record);
    return true;
  }

  // The implicit instantiations of a project's class template that this
  // file completes (Box<long> from `Box<long> b;`), which the walk does not
  // visit: their layouts depend on the template's text as much as a
  // class's on its own.
  bool VisitClassTemplateDecl(clang::ClassTemplateDecl* pattern) {
    if (!pattern->isThisDeclarationADefinition() || pattern->isInvalidDecl() ||
        pattern->getDeclContext()->isDependentContext() || !in_project(*pattern))
      return true;
    // By name: the set's order is a hash table's, another with a
    // precompiled preamble.
    std::map<std::string, const clang::ClassTemplateSpecializationDecl*> instances;
    for (clang::ClassTemplateSpecializationDecl* instance : pattern->specializations())
      if (instance->getSpecializationKind() != clang::TSK_ExplicitSpecialization &&
          instance->isThisDeclarationADefinition() && !instance->isInvalidDecl() &&
          !instance->isDependentType() && !has_argument_without_linkage(*instance))
        instances.emplace(name_of(*instance), instance);
    for (const auto& [name, instance] : instances) add_with_members(*instance);
    return true;
  }

  // An enum's underlying type is its objects' size (an enum without a
  // fixed one takes what its enumerators need).
  bool VisitEnumDecl(clang::EnumDecl* enumeration) {
    if (!enumeration->isDependentType()) add_enum(*enumeration);
    return true;
  }

  std::vector<std::pair<std::string, std::string>> layouts;

 private:
  bool in_project(const clang::Decl& decl) { return project_.holds(decl); }

  void add(const clang::CXXRecordDecl& record) {
    std::string name = name_of(record);
    if (names_.insert(name).second) layouts.emplace_back(name, fingerprint(record, context_));
  }

  // An instantiation, and the classes and enums it declares (List<int>::Node),
  // which the walk does not visit either.
  void add_with_members(const clang::CXXRecordDecl& record) {
    add(record);
    for (const clang::Decl* member : record.decls()) {
      if (const auto* nested = llvm::dyn_cast<clang::CXXRecordDecl>(member)) {
        if (nested->isThisDeclarationADefinition() && !nested->isInvalidDecl() &&
            !nested->isLambda() && nested->getIdentifier() && !nested->isDependentType())
          add_with_members(*nested);
      } else if (const auto* enumeration = llvm::dyn_cast<clang::EnumDecl>(member)) {
        add_enum(*enumeration);
      }
    }
  }

  // An enum's underlying type is its objects' size (an enum without a fixed
  // one takes what its enumerators need): "enum of unsigned char". Each
  // enumerator's value is what objects that hold it mean, a piece of its
  // own ("enumerator of Mood = 1"): one may be added, or go, but not take
  // another's value.
  void add_enum(const clang::EnumDecl& enumeration) {
    if (!enumeration.isThisDeclarationADefinition() || enumeration.isInvalidDecl() ||
        !enumeration.getIdentifier() || enumeration.getDeclContext()->isFunctionOrMethod() ||
        !in_project(enumeration))
      return;
    std::string name = enumeration.getQualifiedNameAsString();
    if (!names_.insert("enum " + name).second) return;
    layouts.emplace_back(
        name, "enum of " + enumeration.getIntegerType().getCanonicalType().getAsString());
    for (const clang::EnumConstantDecl* enumerator : enumeration.enumerators()) {
      std::string member = name + "::" + enumerator->getNameAsString();
      llvm::SmallString<24> value;
      enumerator->getInitVal().toString(value, 10);
      if (names_.insert(member).second)
        layouts.emplace_back(member, "enumerator of " + name + " = " + value.str().str());
    }
  }

  // An argument that is a lambda's closure, a local class or an unnamed
  // type has no name to tell one instantiation from another by, and its
  // spelling names where it is written.
  static bool has_argument_without_linkage(const clang::ClassTemplateSpecializationDecl& instance) {
    std::function<bool(const clang::TemplateArgument&)> without = [&](const auto& argument) {
      if (argument.getKind() == clang::TemplateArgument::Pack) {
        for (const clang::TemplateArgument& each : argument.pack_elements())
          if (without(each)) return true;
        return false;
      }
      if (argument.getKind() != clang::TemplateArgument::Type) return false;
      clang::Linkage linkage = argument.getAsType()->getLinkage();
      return linkage == clang::NoLinkage || linkage == clang::VisibleNoLinkage;
    };
    for (const clang::TemplateArgument& argument : instance.getTemplateArgs().asArray())
      if (without(argument)) return true;
    return false;
  }

  // A specialisation is named with its arguments (`std::hash<Key>`): two of
  // one template are two classes.
  std::string name_of(const clang::CXXRecordDecl& record) const {
    if (!llvm::isa<clang::ClassTemplateSpecializationDecl>(record))
      return record.getQualifiedNameAsString();
    clang::PrintingPolicy policy(context_.getLangOpts());
    policy.AnonymousTagLocations = false;
    std::string name;
    llvm::raw_string_ostream out(name);
    record.getNameForDiagnostic(out, policy, /*Qualified=*/true);
    return out.str();
  }

  clang::ASTContext& context_;
  ProjectFiles project_;
  std::set<std::string> names_;  // each class once (an explicit instantiation is met twice)
};

void describe_object(clang::QualType type, clang::ASTContext& context, std::string& text,
                     std::set<const clang::RecordDecl*>& seen) {
  type = type.getCanonicalType();
  if (const clang::ArrayType* array = context.getAsArrayType(type)) {
    text += "[" + std::to_string(context.getTypeSize(type)) + " bits of ";
    describe_object(array->getElementType(), context, text, seen);
    text += "]";
    return;
  }
  if (const auto* enumeration = type->getAs<clang::EnumType>()) {
    text +=
        "(enum " + enumeration->getDecl()->getIntegerType().getCanonicalType().getAsString() + ")";
    return;
  }
  const clang::CXXRecordDecl* record = type->getAsCXXRecordDecl();
  if (!record || !record->getDefinition() || record->isDependentType()) {
    text += "(" + type.getAsString() + ")";
    return;
  }
  record = record->getDefinition();
  if (!seen.insert(record).second) return;
  text += "{" + fingerprint(*record, context);
  for (const clang::CXXBaseSpecifier& base : record->bases())
    describe_object(base.getType(), context, text, seen);
  for (const clang::FieldDecl* field : record->fields())
    describe_object(field->getType(), context, text, seen);
  text += "}";
}

}  // namespace

std::string object_layout(clang::QualType type, clang::ASTContext& context) {
  std::string text;
  std::set<const clang::RecordDecl*> seen;
  describe_object(type, context, text, seen);
  return text;
}

std::vector<std::pair<std::string, std::string>> class_layouts(clang::ASTContext& context,
                                                               const std::string& project_root) {
  Collector collector(context, project_root);
  collector.TraverseDecl(context.getTranslationUnitDecl());
  return std::move(collector.layouts);
}

}  // namespace softpatch::rewriter
