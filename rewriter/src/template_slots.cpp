#include "template_slots.h"

#include <algorithm>
#include <climits>

#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"
#include "llvm/Support/xxhash.h"

#include "eligibility.h"
#include "parse_file.h"

namespace softpatch::rewriter {
namespace {

// The template parameter lists whose parameters are in scope in the body of
// `pattern`, outermost first: its class template's (as the definition wrote
// them, when it is out of line), then its own.
struct Levels {
  std::vector<const clang::TemplateParameterList*> lists;
  std::optional<std::string> problem;
};

Levels levels_of(const clang::FunctionDecl& pattern) {
  Levels levels;
  if (pattern.getFriendObjectKind() != clang::Decl::FOK_None) {
    levels.problem = "friend defined in a class template";
    return levels;
  }
  if (const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(&pattern)) {
    const clang::CXXRecordDecl* record = method->getParent();
    for (const clang::DeclContext* context = record; !context->isFileContext();
         context = context->getParent()) {
      if (context->isFunctionOrMethod()) {
        levels.problem = "member of a class local to a function template";
        return levels;
      }
      if (llvm::isa<clang::ClassTemplatePartialSpecializationDecl>(context)) {
        levels.problem = "member of a partial specialization of a class template";
        return levels;
      }
      if (context != record && context->isDependentContext()) {
        levels.problem = "member of a class nested in a class template";
        return levels;
      }
    }
    if (const clang::ClassTemplateDecl* owner = record->getDescribedClassTemplate()) {
      levels.lists.push_back(pattern.getNumTemplateParameterLists()
                                 ? pattern.getTemplateParameterList(0)
                                 : owner->getTemplateParameters());
    } else if (record->isDependentContext()) {
      levels.problem = "member of a class nested in a class template";
      return levels;
    }
  }
  if (const clang::FunctionTemplateDecl* own = pattern.getDescribedFunctionTemplate())
    levels.lists.push_back(own->getTemplateParameters());
  if (levels.lists.empty()) levels.problem = "function inside a template";
  return levels;
}

// `T`, `N...`: how the body names a parameter in the slot's key.
std::optional<std::string> key_parameter(const clang::NamedDecl& parameter,
                                         std::optional<std::string>& problem) {
  std::string name = parameter.getNameAsString();
  if (parameter.isImplicit()) {
    problem = "abbreviated template (an auto parameter)";
    return std::nullopt;
  }
  if (name.empty()) {
    problem = "template with an unnamed template parameter";
    return std::nullopt;
  }
  std::string argument;
  if (llvm::isa<clang::TemplateTypeParmDecl>(parameter)) {
    argument = name;
  } else if (const auto* value = llvm::dyn_cast<clang::NonTypeTemplateParmDecl>(&parameter)) {
    clang::QualType type = value->getType();
    if (!type->isDependentType() && !type->isIntegralOrEnumerationType()) {
      problem = "template parameter " + name + " is neither a type nor a whole number";
      return std::nullopt;
    }
    argument = "::__softpatch_template_value<decltype(" + name + "), " + name + ">";
  } else {
    problem = "template with a template template parameter (" + name + ")";
    return std::nullopt;
  }
  if (parameter.isParameterPack()) argument += "...";
  return argument;
}

// What tells the template apart from every other in the module: the same
// text in every file that includes it.
unsigned long long template_hash(const clang::FunctionDecl& pattern, const Levels& levels) {
  // The type as the definition writes it. (Not the canonical type: a
  // dependent one, such as an array sized by a template parameter, is one
  // object for every template that writes it alike, printed with the
  // parameter names of whichever was made first, which a precompiled
  // preamble changes.)
  clang::PrintingPolicy policy(pattern.getASTContext().getLangOpts());
  policy.AnonymousTagLocations = false;
  std::string text =
      pattern.getQualifiedNameAsString() + "|" + pattern.getType().getAsString(policy);
  for (const clang::TemplateParameterList* list : levels.lists) {
    text += "|";
    for (const clang::NamedDecl* parameter : *list)
      text += llvm::isa<clang::TemplateTypeParmDecl>(parameter)      ? "t"
              : llvm::isa<clang::NonTypeTemplateParmDecl>(parameter) ? "v"
                                                                     : "w";
  }
  // Templates of two files' anonymous namespaces may share all of that.
  if (!pattern.isExternallyVisible()) {
    const clang::SourceManager& sources = pattern.getASTContext().getSourceManager();
    text += "|" + real_path_of(sources,
                               sources.getFileID(sources.getExpansionLoc(pattern.getLocation())));
  }
  return llvm::xxHash64(text);
}

std::string key_expression(unsigned long long hash, const std::string& arguments) {
  return "::__softpatch_template_slot< ::__softpatch_template_key<" + std::to_string(hash) + "ull" +
         arguments + "> >::slot";
}

// A whole number as code of `type` writes it; nothing past 64 bits.
std::optional<std::string> integral_text(const clang::TemplateArgument& argument,
                                         const Naming& naming) {
  const llvm::APSInt& value = argument.getAsIntegral();
  clang::QualType type = argument.getIntegralType();
  if (!nameable_at_namespace_scope(type)) return std::nullopt;
  if (type->isBooleanType()) return std::string(value.getBoolValue() ? "true" : "false");
  if (value.getBitWidth() > 64) return std::nullopt;
  std::string number;
  if (value.isSigned()) {
    long long n = value.getSExtValue();
    number = n == LLONG_MIN ? "(-9223372036854775807ll - 1)" : std::to_string(n) + "ll";
  } else {
    number = std::to_string(value.getZExtValue()) + "ull";
  }
  return "static_cast<" + naming.spell(type) + ">(" + number + ")";
}

// Appends `argument` (a pack: each element) to `out` as written in a key
// (`as_key`) or in an explicit template argument list.
bool append_argument(const clang::TemplateArgument& argument, const Naming& naming, bool as_key,
                     std::string& out) {
  switch (argument.getKind()) {
    case clang::TemplateArgument::Type: {
      clang::QualType type = argument.getAsType().getCanonicalType();
      if (!nameable_at_namespace_scope(type)) return false;
      out += ", " + naming.spell(type);
      return true;
    }
    case clang::TemplateArgument::Integral: {
      std::optional<std::string> value = integral_text(argument, naming);
      if (!value) return false;
      out += as_key ? ", ::__softpatch_template_value<" + naming.spell(argument.getIntegralType()) +
                          ", " + *value + ">"
                    : ", " + *value;
      return true;
    }
    case clang::TemplateArgument::Pack:
      for (const clang::TemplateArgument& element : argument.pack_elements())
        if (!append_argument(element, naming, as_key, out)) return false;
      return true;
    default:
      return false;
  }
}

bool append_arguments(const clang::TemplateArgumentList& arguments, const Naming& naming,
                      bool as_key, std::string& out) {
  for (const clang::TemplateArgument& argument : arguments.asArray())
    if (!append_argument(argument, naming, as_key, out)) return false;
  return true;
}

void add_if_instance(const clang::FunctionDecl* function, const clang::FunctionDecl& pattern,
                     std::vector<const clang::FunctionDecl*>& out) {
  if (!function) return;
  clang::TemplateSpecializationKind kind = function->getTemplateSpecializationKind();
  if (kind != clang::TSK_ImplicitInstantiation &&
      kind != clang::TSK_ExplicitInstantiationDefinition)
    return;
  // Declared only, its code is compiled where it is used (or nowhere).
  if (!function->isThisDeclarationADefinition()) return;
  const clang::FunctionDecl* from = function->getTemplateInstantiationPattern();
  if (from && from->getCanonicalDecl() == pattern.getCanonicalDecl()) out.push_back(function);
}

void add_instances(const clang::FunctionTemplateDecl* owner, const clang::FunctionDecl& pattern,
                   std::vector<const clang::FunctionDecl*>& out) {
  if (!owner) return;
  for (const clang::FunctionDecl* specialization : owner->specializations())
    add_if_instance(specialization, pattern, out);
}

// Whether every declaration of `decl` is written in the main file.
bool declared_in_main_file_only(const clang::Decl& decl) {
  const clang::SourceManager& sources = decl.getASTContext().getSourceManager();
  for (const clang::Decl* each : decl.redecls())
    if (!sources.isInMainFile(sources.getExpansionLoc(each->getLocation()))) return false;
  return true;
}

}  // namespace

bool is_template_pattern(const clang::FunctionDecl& function) {
  return function.getTemplatedKind() == clang::FunctionDecl::TK_FunctionTemplate ||
         function.isDependentContext();
}

std::optional<std::string> template_problem(const clang::FunctionDecl& pattern) {
  Levels levels = levels_of(pattern);
  if (levels.problem) return levels.problem;
  if (is_constructor_or_destructor(pattern))
    return std::string(constructor_or_destructor(pattern)) + " of a class template";
  if (pattern.getReturnType()->getContainedDeducedType())
    return "template with a deduced return type";
  // Spelled in the trampoline, its expression may name what is not in
  // scope there (Naming::spell).
  if (pattern.getReturnType()->isDependentType() &&
      pattern.getReturnType().getAsString().find("decltype(") != std::string::npos)
    return "template whose return type is a decltype";
  std::optional<std::string> problem;
  for (const clang::TemplateParameterList* list : levels.lists)
    for (const clang::NamedDecl* parameter : *list)
      if (!key_parameter(*parameter, problem)) return problem;
  // Out of the class, a member of the same name hides a parameter of the
  // class template in the body ([temp.local]): the key would name the member.
  const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(&pattern);
  if (method && pattern.getNumTemplateParameterLists() && !levels.lists.empty())
    for (const clang::NamedDecl* parameter : *levels.lists.front())
      if (!method->getParent()->lookup(parameter->getDeclName()).empty())
        return "a member of its class hides template parameter " + parameter->getNameAsString();
  return std::nullopt;
}

std::string template_slot_in_body(const clang::FunctionDecl& pattern) {
  Levels levels = levels_of(pattern);
  std::optional<std::string> problem;
  std::string arguments;
  for (const clang::TemplateParameterList* list : levels.lists)
    for (const clang::NamedDecl* parameter : *list)
      arguments += ", " + key_parameter(*parameter, problem).value_or("");
  return key_expression(template_hash(pattern, levels), arguments);
}

std::optional<std::string> template_slot_of(const clang::FunctionDecl& instance,
                                            const clang::FunctionDecl& pattern,
                                            const Naming& naming) {
  std::string arguments;
  // The class's arguments are in the key when its parameters are in the
  // body's: not for a member template of an explicit specialization.
  const auto* pattern_method = llvm::dyn_cast<clang::CXXMethodDecl>(&pattern);
  if (pattern_method && pattern_method->getParent()->getDescribedClassTemplate())
    if (const auto* owner = llvm::dyn_cast<clang::ClassTemplateSpecializationDecl>(
            llvm::cast<clang::CXXMethodDecl>(instance).getParent()))
      if (!append_arguments(owner->getTemplateArgs(), naming, /*as_key=*/true, arguments))
        return std::nullopt;
  if (const clang::TemplateArgumentList* own = instance.getTemplateSpecializationArgs())
    if (!append_arguments(*own, naming, /*as_key=*/true, arguments)) return std::nullopt;
  return key_expression(template_hash(pattern, levels_of(pattern)), arguments);
}

// `instances` in the order of their names and types: the sets Clang keeps
// them in are hash tables, whose order a precompiled preamble changes, and
// what is generated from them must be the same text either way.
static std::vector<const clang::FunctionDecl*> by_name(
    std::vector<const clang::FunctionDecl*> instances) {
  std::vector<std::pair<std::string, const clang::FunctionDecl*>> named;
  for (const clang::FunctionDecl* instance : instances) {
    clang::PrintingPolicy policy(instance->getASTContext().getLangOpts());
    std::string name;
    llvm::raw_string_ostream out(name);
    instance->getNameForDiagnostic(out, policy, /*Qualified=*/true);
    out << '|' << instance->getType().getCanonicalType().getAsString(policy);
    named.emplace_back(out.str(), instance);
  }
  std::stable_sort(named.begin(), named.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 0; i < named.size(); ++i) instances[i] = named[i].second;
  return instances;
}

std::vector<const clang::FunctionDecl*> instances_of(const clang::FunctionDecl& pattern) {
  std::vector<const clang::FunctionDecl*> out;
  const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(&pattern);
  const clang::ClassTemplateDecl* owner =
      method ? method->getParent()->getDescribedClassTemplate() : nullptr;
  if (!owner) {
    add_instances(pattern.getDescribedFunctionTemplate(), pattern, out);
    return by_name(std::move(out));
  }
  for (const clang::ClassTemplateSpecializationDecl* specialization : owner->specializations()) {
    // The set holds the latest declaration, as `template class X<int>;`
    // after `extern template class X<int>;` is; members are the definition's.
    const clang::CXXRecordDecl* definition = specialization->getDefinition();
    if (!definition) continue;
    for (const clang::Decl* member : definition->decls()) {
      if (const auto* function_template = llvm::dyn_cast<clang::FunctionTemplateDecl>(member))
        add_instances(function_template, pattern, out);
      else
        add_if_instance(llvm::dyn_cast<clang::FunctionDecl>(member), pattern, out);
    }
  }
  return by_name(std::move(out));
}

bool made_for_this_file_only(const clang::FunctionDecl& instance,
                             const clang::FunctionDecl& pattern) {
  if (instance.getTemplateSpecializationKind() != clang::TSK_ImplicitInstantiation) return false;
  if (!declared_in_main_file_only(pattern)) return false;
  if (const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(&pattern))
    if (const clang::ClassTemplateDecl* owner = method->getParent()->getDescribedClassTemplate())
      return declared_in_main_file_only(*owner);
  return true;
}

std::optional<std::string> spelled_template_arguments(const clang::FunctionDecl& function,
                                                      const Naming& naming) {
  const clang::TemplateArgumentList* arguments = function.getTemplateSpecializationArgs();
  if (!arguments) return std::string();
  // Written out, arguments fill a pack to the end of the list: one that a
  // parameter follows (fmt's `typename... T, size_t N = sizeof...(T)`)
  // cannot be given the rest.
  if (const clang::FunctionTemplateDecl* primary = function.getPrimaryTemplate()) {
    const clang::TemplateParameterList* parameters = primary->getTemplateParameters();
    for (unsigned i = 0; i + 1 < parameters->size(); ++i)
      if (parameters->getParam(i)->isParameterPack()) return std::nullopt;
  }
  std::string text;
  if (!append_arguments(*arguments, naming, /*as_key=*/false, text)) return std::nullopt;
  return "<" + (text.empty() ? std::string() : text.substr(2)) + ">";
}

}  // namespace softpatch::rewriter
