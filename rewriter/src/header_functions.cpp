#include "header_functions.h"

#include "clang/AST/Attr.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclFriend.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/AST/RecursiveASTVisitor.h"

#include "eligibility.h"
#include "template_slots.h"

namespace softpatch::rewriter {
namespace {

constexpr const char kAbiTag[] = "softpatch";

clang::FileID file_of(const clang::Decl& decl) {
  const clang::SourceManager& sources = decl.getASTContext().getSourceManager();
  return sources.getFileID(sources.getExpansionLoc(decl.getLocation()));
}

class Walk {
 public:
  explicit Walk(const HeaderShadows& headers) : headers_(headers) {}

  void context(const clang::DeclContext& context) {
    for (const clang::Decl* decl : context.decls()) {
      if (!headers_.is_project_header(file_of(*decl))) continue;
      if (const auto* ns = llvm::dyn_cast<clang::NamespaceDecl>(decl))
        this->context(*ns);
      else if (const auto* linkage = llvm::dyn_cast<clang::LinkageSpecDecl>(decl))
        this->context(*linkage);
      else if (const auto* record = llvm::dyn_cast<clang::CXXRecordDecl>(decl))
        class_body(*record);
      else if (const auto* class_template = llvm::dyn_cast<clang::ClassTemplateDecl>(decl))
        class_body(*class_template->getTemplatedDecl());
      else if (const auto* function_template = llvm::dyn_cast<clang::FunctionTemplateDecl>(decl))
        function(*function_template->getTemplatedDecl());
      else if (const auto* friend_decl = llvm::dyn_cast<clang::FriendDecl>(decl))
        friend_function(*friend_decl);
      else if (const auto* function = llvm::dyn_cast<clang::FunctionDecl>(decl))
        this->function(*function);
      else if (const auto* field = llvm::dyn_cast<clang::FieldDecl>(decl);
               field && field->hasInClassInitializer() && !field->getParent()->isDependentContext())
        fields.push_back(field);
    }
  }

  std::vector<const clang::FunctionDecl*> found;
  std::vector<const clang::FieldDecl*> fields;

 private:
  void class_body(const clang::CXXRecordDecl& record) {
    if (record.isThisDeclarationADefinition() && !record.isLambda()) context(record);
  }
  void friend_function(const clang::FriendDecl& friend_decl) {
    const clang::NamedDecl* named = friend_decl.getFriendDecl();
    if (!named) return;
    if (const auto* function_template = llvm::dyn_cast<clang::FunctionTemplateDecl>(named))
      named = function_template->getTemplatedDecl();
    if (const auto* function = llvm::dyn_cast<clang::FunctionDecl>(named))
      this->function(*function);
  }
  void function(const clang::FunctionDecl& function) {
    if (function.isThisDeclarationADefinition()) found.push_back(&function);
  }

  const HeaderShadows& headers_;
};

// Inline functions and templates' instantiations have a copy in every file
// that uses them, and the linker keeps one: those need the tag.
// Internal-linkage functions and a header's non-inline definitions (one
// file defines them) do not.
bool needs_abi_tag(const clang::FunctionDecl& function) {
  return (function.isInlined() || is_template_pattern(function)) && function.isExternallyVisible();
}

// The first static (or thread_local) variable of `function`'s body, its
// lambdas' and its local classes', or null. Its name is the function's: the
// instrumented copy's (tagged) and a plain copy's in a file that compiles
// the header without softpatch would be two objects.
class StaticLocal : public clang::RecursiveASTVisitor<StaticLocal> {
 public:
  bool VisitVarDecl(clang::VarDecl* variable) {
    if (variable->isStaticLocal()) found = variable;
    return found == nullptr;
  }
  const clang::VarDecl* found = nullptr;
};

const clang::VarDecl* static_local(const clang::FunctionDecl& function) {
  StaticLocal visitor;
  visitor.TraverseStmt(function.getBody());
  return visitor.found;
}

// A virtual function's vtable is made by the file that defines its class's
// key function (the first virtual function not defined in the class); a
// class without one has its vtable made by every file that uses it, and the
// linker keeps any one: a plain file's would send every virtual call to the
// plain copy.
bool vtable_made_everywhere(const clang::FunctionDecl& function) {
  const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(&function);
  if (!method) return false;
  // A class template's instantiations have their vtables made wherever
  // they are used. An override of a dependent base is virtual in them only.
  if (method->getParent()->isDependentContext())
    return method->isVirtual() || method->hasAttr<clang::OverrideAttr>() ||
           method->hasAttr<clang::FinalAttr>() ||
           llvm::any_of(instances_of(function), [](const clang::FunctionDecl* instance) {
             return llvm::cast<clang::CXXMethodDecl>(instance)->isVirtual();
           });
  if (!method->isVirtual()) return false;
  return function.getASTContext().getCurrentKeyFunction(method->getParent()) == nullptr;
}

// Where an attribute goes among the first declaration's specifiers: before
// its type (after any `[[...]]`, which Clang wants first), or before the
// name of a conversion function, a constructor or a destructor, which have
// none (Clang puts their "type" after the name).
clang::SourceLocation tag_location(const clang::FunctionDecl& first) {
  clang::SourceLocation type = first.getTypeSpecStartLoc();
  if (llvm::isa<clang::CXXConversionDecl>(first) || is_constructor_or_destructor(first) ||
      type.isInvalid())
    return first.getLocation();
  return type;
}

// What an explicit specialization specializes (a template's pattern, or a
// member of a class template), or null.
const clang::FunctionDecl* specialized(const clang::FunctionDecl& function) {
  if (const clang::FunctionTemplateSpecializationInfo* info =
          function.getTemplateSpecializationInfo())
    return info->getTemplate()->getTemplatedDecl();
  if (const clang::MemberSpecializationInfo* member = function.getMemberSpecializationInfo())
    return llvm::dyn_cast<clang::FunctionDecl>(member->getInstantiatedFrom());
  return nullptr;
}

// The first declaration written as `function`: an explicit
// specialization's chain begins with a declaration Clang made where its
// template is declared.
const clang::FunctionDecl& first_declaration(const clang::FunctionDecl& function) {
  const clang::FunctionDecl* from = specialized(function);
  if (!from) return *function.getFirstDecl();
  std::set<clang::SourceLocation::UIntTy> template_places;
  for (const clang::FunctionDecl* each : from->redecls())
    template_places.insert(each->getLocation().getRawEncoding());
  const clang::SourceManager& sources = function.getASTContext().getSourceManager();
  const clang::FunctionDecl* first = &function;
  for (const clang::FunctionDecl* each : function.redecls())
    if (!template_places.count(each->getLocation().getRawEncoding()) &&
        sources.isBeforeInTranslationUnit(each->getLocation(), first->getLocation()))
      first = each;
  return *first;
}

}  // namespace

bool SharedSpecifiers::shares(const clang::FunctionDecl& first) {
  const clang::DeclContext* context = first.getLexicalDeclContext();
  auto [it, added] = shared_.try_emplace(context);
  if (added) {
    // A friend's or a template's declaration stands for its function.
    llvm::DenseMap<clang::SourceLocation::UIntTy, unsigned> starts;
    for (const clang::Decl* decl : context->decls())
      if (!decl->isImplicit() && ++starts[decl->getBeginLoc().getRawEncoding()] == 2)
        it->second.insert(decl->getBeginLoc().getRawEncoding());
  }
  return it->second.count(first.getBeginLoc().getRawEncoding()) != 0;
}

std::vector<const clang::FunctionDecl*> header_definitions(clang::ASTContext& context,
                                                           const HeaderShadows& headers) {
  Walk walk(headers);
  walk.context(*context.getTranslationUnitDecl());
  return walk.found;
}

std::vector<const clang::FieldDecl*> header_initialised_fields(clang::ASTContext& context,
                                                               const HeaderShadows& headers) {
  Walk walk(headers);
  walk.context(*context.getTranslationUnitDecl());
  return walk.fields;
}

std::optional<std::string> header_reason(const clang::FunctionDecl& function,
                                         const HeaderShadows& headers, const TextEdits& edits,
                                         SharedSpecifiers& specifiers) {
  if (std::optional<std::string> why = headers.why_not(file_of(function)))
    return "its header is not copied: " + *why;
  if (function.isExternC() && function.isInlined())
    return "extern \"C\" inline function (its instrumented and plain copies would share one name)";
  if (needs_abi_tag(function)) {
    if (const clang::VarDecl* variable = static_local(function))
      return "has a static variable (" + variable->getNameAsString() +
             "), which a plain copy of the function (in a file built without softpatch) would "
             "not share";
    if (vtable_made_everywhere(function))
      return function.isDependentContext()
                 ? "virtual in a class template, whose vtable every file that uses it makes (a "
                   "file built without softpatch too)"
                 : "virtual in a class without a key function, whose vtable a file built without "
                   "softpatch could make";
    if (function.hasAttr<clang::AbiTagAttr>()) return "has an ABI tag of its own";
    // Its instrumented copies' name (the tag) is the first declaration's.
    const clang::SourceManager& sources = function.getASTContext().getSourceManager();
    const clang::FunctionDecl& first = first_declaration(function);
    clang::SourceLocation at = tag_location(first);
    clang::PresumedLoc place = sources.getPresumedLoc(sources.getExpansionLoc(at));
    std::string where = std::string(place.getFilename()) + ":" + std::to_string(place.getLine());
    if (at.isMacroID())
      return "declared first by a macro (" + where + "), where its ABI tag cannot be written";
    if (first.getFriendObjectKind() != clang::Decl::FOK_None && &first != &function)
      return "declared first as a friend (" + where + "), where GCC ignores an ABI tag";
    if (specifiers.shares(first))
      return "declared first beside other declarations (" + where +
             "), which its ABI tag would change too";
    if (!edits.can_edit(at)) {
      std::optional<std::string> why = headers.why_not(sources.getFileID(at));
      return "declared first in " + where +
             (why && !why->empty() ? ", which is not copied: " + *why
                                   : ", which is not the project's");
    }
  }
  return std::nullopt;
}

void tag_instrumented_copy(const clang::FunctionDecl& function, TextEdits& edits) {
  if (!needs_abi_tag(function)) return;
  clang::ASTContext& context = function.getASTContext();
  llvm::StringRef tags[] = {kAbiTag};
  auto tag = [&](const clang::FunctionDecl& each) {
    for (const clang::FunctionDecl* declaration : each.redecls())
      const_cast<clang::FunctionDecl*>(declaration)
          ->addAttr(clang::AbiTagAttr::CreateImplicit(context, tags, 1));
  };
  tag(function);
  // Instantiated before the tag was added: the mangler reads their own.
  if (is_template_pattern(function))
    for (const clang::FunctionDecl* instance : instances_of(function)) tag(*instance);
  // The mangler takes a specialization's tags from its template, g++ from
  // the specialization: the ids are g++'s names (Clang's keep them plain).
  if (const clang::FunctionDecl* from = specialized(function)) tag(*from);
  edits.insert_before(tag_location(first_declaration(function)),
                      std::string("__attribute__((abi_tag(\"") + kAbiTag + "\"))) ");
}

const clang::VarDecl* static_variable_of(const clang::FunctionDecl& function) {
  return static_local(function);
}

}  // namespace softpatch::rewriter
