#include "unit_table.h"

#include <algorithm>

#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/AST/Type.h"

#include "eligibility.h"
#include "quote_includes.h"
#include "softpatch/internal/slot.h"
#include "softpatch/rewriter/patcher.h"
#include "source_text.h"
#include "template_slots.h"
#include "trampoline.h"

namespace softpatch::rewriter {
namespace {

// Namespaces that enclose `decl`, outermost first, as text that reopens them
// ("namespace ns {", "namespace {"), or nothing when `decl` is not at
// namespace scope (a class or function encloses it).
std::optional<std::vector<std::string>> reopening(const clang::Decl& decl) {
  std::vector<std::string> openers;
  for (const clang::DeclContext* context = decl.getDeclContext(); !context->isTranslationUnit();
       context = context->getParent()) {
    if (llvm::isa<clang::LinkageSpecDecl>(context)) continue;
    const auto* ns = llvm::dyn_cast<clang::NamespaceDecl>(context);
    if (!ns) return std::nullopt;
    std::string opener = ns->isInline() ? "inline namespace " : "namespace ";
    if (!ns->isAnonymousNamespace()) opener += ns->getNameAsString() + " ";
    openers.insert(openers.begin(), opener + "{");
  }
  return openers;
}

// Wraps `definition` in `openers` and returns the qualified name by which
// `name`, defined there, is reached from the global namespace. Anonymous and
// inline namespaces are transparent to qualified lookup, and the names the
// rewriter makes up are unique, so skipping them is safe.
std::string define_in(const std::vector<std::string>& openers, const std::string& name,
                      const std::string& definition, std::string& out) {
  std::string qualified = "::";
  for (const std::string& opener : openers) {
    out += opener + " ";
    llvm::StringRef inner = llvm::StringRef(opener).drop_back();
    inner.consume_front("inline ");
    inner.consume_front("namespace ");
    if (!inner.trim().empty()) qualified += inner.trim().str() + "::";
  }
  out += definition;
  for (size_t i = 0; i < openers.size(); ++i) out += " }";
  out += "\n";
  return qualified + name;
}

// The class that declares `method`, as a type.
clang::QualType context_type(const clang::CXXMethodDecl& method) {
  return method.getASTContext().getRecordType(method.getParent());
}

// Whether the module the file goes into keeps a copy of `function` of its
// own, with its own static locals and inline variables: the function is
// hidden (-fvisibility=hidden, an attribute, a pragma). Not when only
// -fvisibility-inlines-hidden hides it and the module's values are visible:
// its static locals stay visible (as Clang and g++ compile them), and so does
// what it calls. Under -fvisibility=hidden too it counts as the module's own
// even in a class marked visibility("default"), whose static locals are
// shared: the inline functions and variables it uses are still the module's.
bool keeps_own_copy(const clang::FunctionDecl& function) {
  if (!function.isExternallyVisible()) return false;
  clang::LinkageInfo own = function.getLinkageAndVisibility();
  if (own.getVisibility() != clang::HiddenVisibility) return false;
  const clang::LangOptions& language = function.getASTContext().getLangOpts();
  if (own.isVisibilityExplicit() || !language.InlineVisibilityHidden ||
      language.VisibilityInlinesHiddenStaticLocalVar || !function.isInlined())
    return true;
  if (const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(&function)) {
    clang::LinkageInfo of_class = method->getParent()->getLinkageAndVisibility();
    if (of_class.isVisibilityExplicit() && of_class.getVisibility() == clang::HiddenVisibility)
      return true;
  }
  return language.getValueVisibilityMode() == clang::HiddenVisibility;
}

bool is_nothrow(const clang::FunctionDecl& function) {
  const auto* proto = function.getType()->getAs<clang::FunctionProtoType>();
  if (!proto) return false;
  switch (proto->getExceptionSpecType()) {
    case clang::EST_Unevaluated:
    case clang::EST_Unparsed:
    case clang::EST_Uninstantiated:
      // Not worked out yet (Clang does when a use needs it; asking would be
      // an error): a destructor's is noexcept but for a member's saying
      // otherwise, so the build and every patch assume it is.
      return llvm::isa<clang::CXXDestructorDecl>(function);
    default:
      return proto->isNothrow();
  }
}

unsigned function_flags(const clang::FunctionDecl& function) {
  namespace internal = softpatch::internal;
  unsigned flags = 0;
  if (const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(&function)) {
    flags |= method->isInstance() ? internal::kMethod : internal::kStaticMember;
    if (method->isVirtual()) flags |= internal::kVirtual;
  }
  if (!function.isExternallyVisible()) flags |= internal::kInternalLinkage;
  if (function.isExternC()) flags |= internal::kExternC;
  if (is_nothrow(function)) flags |= internal::kNoexcept;
  if (function.isNoReturn()) flags |= internal::kNoreturn;
  if (llvm::isa<clang::CXXConstructorDecl>(function)) flags |= internal::kConstructor;
  if (llvm::isa<clang::CXXDestructorDecl>(function)) flags |= internal::kDestructor;
  if (keeps_own_copy(function)) flags |= internal::kOwnCopy;
  if (is_lambda_call(function))
    flags = (flags & internal::kNoexcept) | internal::kLambda | internal::kInternalLinkage;
  return flags;
}

// Whether `&f<args>` cast to the type of `instance` (of `primary`) can only
// mean `instance`: `f<args>` looks among the templates named f only, and
// one whose parameters are as many (or may be, with a pack) could give a
// function of that type too.
bool only_template_of_its_type(const clang::FunctionTemplateDecl& primary,
                               const clang::FunctionDecl& instance) {
  for (const clang::NamedDecl* found :
       primary.getDeclContext()->getRedeclContext()->lookup(primary.getDeclName())) {
    const auto* other = llvm::dyn_cast<clang::FunctionTemplateDecl>(found);
    if (!other) continue;
    if (other->getCanonicalDecl() == primary.getCanonicalDecl()) continue;
    const clang::FunctionDecl* pattern = other->getTemplatedDecl();
    bool pack = std::any_of(pattern->param_begin(), pattern->param_end(),
                            [](const clang::ParmVarDecl* p) { return p->isParameterPack(); });
    if (pack || pattern->isVariadic() || pattern->getNumParams() == instance.getNumParams())
      return false;
  }
  return true;
}

// Free functions can be named at namespace scope: their address goes in the
// table. Members, friends defined in a class and functions whose types
// cannot be named there are found by symbol instead.
bool address_can_be_named(const clang::FunctionDecl& function) {
  if (llvm::isa<clang::CXXMethodDecl>(function) ||
      function.getFriendObjectKind() != clang::Decl::FOK_None)
    return false;
  if (!nameable_at_namespace_scope(function.getReturnType())) return false;
  for (const clang::ParmVarDecl* param : function.parameters())
    if (!nameable_at_namespace_scope(param->getType())) return false;
  return true;
}

}  // namespace

UnitTable UnitTable::for_header(const Naming& naming, std::string file, std::string project_file,
                                std::string prefix) {
  UnitTable table(naming, std::move(file), std::move(project_file));
  table.header_ = true;
  table.prefix_ = std::move(prefix);
  return table;
}

std::string UnitTable::slot_of(unsigned index) const {
  return header_ ? header_slot_expression(functions_[index].id) : slot_expression(index);
}

// The address of a public non-virtual method of a class that can be named
// at namespace scope, by a getter in the epilogue: a method of a header
// may have no exported symbol (-fvisibility-inlines-hidden), and a
// non-virtual member pointer holds the code's address (Itanium ABI).
static std::optional<std::string> method_address(const clang::CXXMethodDecl& method,
                                                 const Naming& naming, const std::string& getter,
                                                 std::string& helpers) {
  std::optional<std::string> arguments = spelled_template_arguments(method, naming);
  // `operator int<int>` names nothing: a conversion template is found by symbol.
  if (!arguments || (!arguments->empty() && llvm::isa<clang::CXXConversionDecl>(method)) ||
      method.isVirtual() || method.getAccess() != clang::AS_public ||
      !nameable_at_namespace_scope(context_type(method)) ||
      !nameable_at_namespace_scope(method.getType()))
    return std::nullopt;
  clang::ASTContext& context = method.getASTContext();
  clang::QualType pointer =
      method.isStatic()
          ? context.getPointerType(method.getType())
          : context.getMemberPointerType(method.getType(), context_type(method).getTypePtr());
  std::string name = naming.qualified_member(method);
  if (name.empty()) return std::nullopt;
  name = with_template_arguments(name, *arguments);
  helpers += "static ::__softpatch_raw_function " + getter + "() { auto p = static_cast<" +
             naming.spell(pointer.getCanonicalType()) + ">(&" + name +
             "); ::__softpatch_raw_function f; __builtin_memcpy(&f, &p, sizeof f); return f; }\n";
  return "&" + getter;
}

const InstrumentedFunction& UnitTable::add_function(const clang::FunctionDecl& function,
                                                    unsigned line) {
  unsigned index = slot_count();
  InstrumentedFunction& info = add_entry(function, line);
  add_record(function, slot_of(index), header_);
  return info;
}

// The address getter of the free function `function`, reached by its name
// (with its template arguments when it is a template's) from the
// namespace it is declared in; nothing when that name could not single it
// out.
std::optional<std::string> UnitTable::free_function_address(const clang::FunctionDecl& function,
                                                            unsigned index) {
  std::optional<std::vector<std::string>> openers = reopening(function);
  if (!openers || !address_can_be_named(function)) return std::nullopt;
  std::optional<std::string> arguments = spelled_template_arguments(function, naming_);
  if (!arguments) return std::nullopt;
  // A patch may try: a name the cast cannot resolve fails the patch's
  // compile, not the build's.
  if (const clang::FunctionTemplateDecl* primary = function.getPrimaryTemplate())
    if (!names_may_not_compile_ && !only_template_of_its_type(*primary, function))
      return std::nullopt;
  std::string type = "::__softpatch_function_pointer<" +
                     naming_.spell(function.getReturnType().getCanonicalType());
  for (const clang::ParmVarDecl* param : function.parameters())
    type += ", " + naming_.spell(param->getType().getCanonicalType());
  type += ">";
  std::string getter = "__softpatch_" + prefix_ + "function_address" + std::to_string(index);
  std::string definition =
      "static ::__softpatch_raw_function " + getter +
      "() { return reinterpret_cast<::__softpatch_raw_function>("
      "static_cast<" +
      type + ">(&" + with_template_arguments(function.getNameAsString(), *arguments) + ")); }";
  return "&" + define_in(*openers, getter, definition, helpers_);
}

void UnitTable::add_address(const clang::FunctionDecl& function, bool method_by_getter) {
  unsigned index = static_cast<unsigned>(functions_.size() - 1);
  std::optional<std::string> address = free_function_address(function, index);
  if (const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(&function);
      !address && method && method_by_getter && !is_constructor_or_destructor(function)) {
    std::string getter = "__softpatch_" + prefix_ + "method_address" + std::to_string(index);
    address = method_address(*method, naming_, getter, helpers_);
  }
  addresses_.push_back(address.value_or("nullptr"));
  imports_.push_back("nullptr");
}

void UnitTable::add_record(const clang::FunctionDecl& function, const std::string& slot,
                           bool method_by_getter, unsigned more_flags) {
  add_address(function, method_by_getter);
  const InstrumentedFunction& info = functions_.back();
  records_.push_back("{&" + slot + ", " + quoted(info.id) + ", " + quoted(info.name) + ", " +
                     quoted(info.signature) + ", " + std::to_string(info.line) + "u, " +
                     std::to_string(function_flags(function) | more_flags) + "u, " +
                     addresses_.back() + "}");
}

void UnitTable::add_template(const clang::FunctionDecl& pattern, unsigned line) {
  InstrumentedFunction& info = template_entries_.emplace_back();
  info.name = naming_.readable_name(pattern);
  info.qualified = pattern.getQualifiedNameAsString();
  info.type = pattern.getType().getAsString();
  info.line = line;
}

std::vector<InstrumentedFunction> UnitTable::listed_functions() const {
  std::vector<InstrumentedFunction> listed = functions_;
  listed.insert(listed.end(), template_entries_.begin(), template_entries_.end());
  return listed;
}

InstrumentedFunction& UnitTable::add_entry(const clang::FunctionDecl& function, unsigned line) {
  InstrumentedFunction& info = functions_.emplace_back();
  info.id = naming_.id(function);
  info.name = naming_.readable_name(function);
  info.qualified = function.getQualifiedNameAsString();
  info.type = function.getType().getAsString();
  info.signature = naming_.signature(function);
  info.line = line;
  info.instantiation = function.isTemplateInstantiation();
  info.own_copy = keeps_own_copy(function);
  info.nothrow = is_nothrow(function);
  return info;
}

bool UnitTable::add_template_instance(const clang::FunctionDecl& instance,
                                      const clang::FunctionDecl& pattern, unsigned line) {
  std::optional<std::string> slot = template_slot_of(instance, pattern, naming_);
  if (!slot) return false;
  add_entry(instance, line);
  // An instantiation's symbol may be hidden (an inline member under
  // -fvisibility-inlines-hidden): a getter finds what it can.
  unsigned flags = softpatch::internal::kInstantiation;
  if (made_for_this_file_only(instance, pattern)) flags |= softpatch::internal::kFileInstantiation;
  add_record(instance, *slot, /*method_by_getter=*/true, flags);
  return true;
}

bool UnitTable::add_patched_instance(const clang::FunctionDecl& instance,
                                     const clang::FunctionDecl& pattern, unsigned line,
                                     bool changed) {
  // The build gave it no slot: nothing to switch.
  if (!template_slot_of(instance, pattern, naming_)) return true;
  add_entry(instance, line);
  if (!changed) {
    build_code_.insert(static_cast<unsigned>(functions_.size() - 1));
    addresses_.push_back("nullptr");
    imports_.push_back("nullptr");
    return true;
  }
  // The getter makes the patch instantiate it, if its code needs it not.
  add_address(instance, /*method_by_getter=*/true);
  // No getter, and no symbol to find it by: only this file calls it, from
  // functions whose code holds the template's and that the patch carries,
  // so the build's copy is left to a pointer kept from before.
  if (addresses_.back() != "nullptr" || instance.isExternallyVisible()) return true;
  build_code_.insert(static_cast<unsigned>(functions_.size() - 1));
  return false;
}

void UnitTable::add_entry_thunk(const clang::CXXMethodDecl& method) {
  std::string index = std::to_string(functions_.size() - 1);
  std::string thunk = "thunk" + index;
  std::string target = naming_.qualified_member(method);
  // Static or not, a call names the method: its overloads (a static parse()
  // beside a member parse(), say) are told apart by the arguments.
  std::string parameters, call;
  if (method.isStatic()) {
    call = target;
  } else {
    std::string self_type = naming_.spell(method.getThisType()->getPointeeType());
    parameters = self_type + "* self";
    std::string object = method.getRefQualifier() == clang::RQ_RValue
                             ? "static_cast<" + self_type + "&&>(*self)"
                             : "(*self)";
    // A qualified call is never virtual: the patch's own code runs.
    call = object + "." + target;
  }
  std::string arguments;
  for (unsigned i = 0; i < method.getNumParams(); ++i) {
    std::string type = naming_.spell(method.getParamDecl(i)->getType().getCanonicalType());
    std::string name = "a" + std::to_string(i);
    parameters += std::string(parameters.empty() ? "" : ", ") + type + " " + name;
    // decltype: a reference parameter forwards as itself (T& && is T&).
    arguments += std::string(i ? ", " : "") + "static_cast<decltype(" + name + ")&&>(" + name + ")";
  }
  // The result as the call's own type: nothing to spell (a typedef of a
  // class in an anonymous namespace has no qualified spelling that works).
  std::string invocation = call + "(" + arguments + ")";
  thunks_ += "  static auto " + thunk + "(" + parameters + ") -> decltype(" + invocation +
             ") { return " + invocation + "; }\n";
  thunks_ += "  static ::__softpatch_raw_function entry" + index +
             "() { return reinterpret_cast<::__softpatch_raw_function>(&" + thunk + "); }\n";
  addresses_.back() = "&::__softpatch_access::entry" + index;
}

void UnitTable::add_body_entry(const clang::CXXMethodDecl& function, llvm::StringRef member) {
  std::string index = std::to_string(functions_.size() - 1);
  // A non-virtual member pointer holds the code's address (Itanium ABI).
  thunks_ += "  static ::__softpatch_raw_function body" + index + "() { auto p = &" +
             naming_.qualified_class(*function.getParent()) + "::" + member.str() +
             "; ::__softpatch_raw_function f; __builtin_memcpy(&f, &p, sizeof f); return f; }\n";
  addresses_.back() = "&::__softpatch_access::body" + index;
}

void UnitTable::add_build_code_entry(const clang::FunctionDecl& function, unsigned line) {
  add_entry(function, line);
  build_code_.insert(static_cast<unsigned>(functions_.size() - 1));
  addresses_.push_back("nullptr");
  imports_.push_back("nullptr");
}

std::string UnitTable::add_lambda_entry(const clang::CXXMethodDecl& call) {
  // A lambda may be called where constants are evaluated.
  constexpr_closures_ = call.getASTContext().getLangOpts().CPlusPlus17;
  std::string index = std::to_string(lambdas_++);
  helpers_ += "static ::__softpatch_raw_function __softpatch_lambda_entry" + index +
              "() { return ::__softpatch_lambda_codes[" + index + "]; }\n";
  addresses_.back() = "&::__softpatch_lambda_entry" + index;
  return "::__softpatch_lambda<" + index + ">(";
}

static std::string imported_slot(unsigned index) {
  return "::__softpatch_imported[" + std::to_string(index) + "]";
}

unsigned UnitTable::add_import(const clang::FunctionDecl& function, unsigned line) {
  InstrumentedFunction& info = functions_.emplace_back();
  info.id = naming_.id(function);
  info.name = naming_.readable_name(function);
  info.signature = naming_.signature(function);
  info.line = line;
  info.nothrow = is_nothrow(function);
  addresses_.push_back("nullptr");
  unsigned index = static_cast<unsigned>(import_ids_.size());
  imports_.push_back("&" + imported_slot(index));
  import_ids_.push_back(info.id);
  return index;
}

bool UnitTable::importable(const clang::FunctionDecl& function) const {
  // An inline function may have no copy of its own in the program.
  if (function.isInlined()) return false;
  if (function.isExternallyVisible())
    return function.getLinkageAndVisibility().getVisibility() == clang::DefaultVisibility;
  return reopening(function) && address_can_be_named(function);
}

std::string UnitTable::import_expression(unsigned index) const {
  return "::__softpatch_import(" + imported_slot(index) + ", " + quoted(import_ids_[index]) + ")";
}

void UnitTable::add_variable(const clang::VarDecl& variable) {
  std::optional<std::vector<std::string>> openers = reopening(variable);
  if (!openers) return;
  std::string getter = "__softpatch_variable_address" + std::to_string(variables_.size());
  std::string definition =
      "static void* " + getter +
      "() { return const_cast<void*>(static_cast<const volatile void*>(__builtin_addressof(" +
      variable.getNameAsString() + "))); }";
  std::string address = "&" + define_in(*openers, getter, definition, helpers_);
  bool is_thread_local = variable.getTLSKind() != clang::VarDecl::TLS_None;
  variables_.push_back("{" + quoted(variable.getQualifiedNameAsString()) + ", " +
                       quoted(naming_.canonical(variable.getType())) + ", " + address + ", " +
                       (is_thread_local ? "true" : "false") + "}");
}

void UnitTable::add_layouts(const std::vector<std::pair<std::string, std::string>>& layouts) {
  for (const auto& [name, fingerprint] : layouts)
    layouts_.push_back("{" + quoted(name) + ", " + quoted(fingerprint) + "}");
}

void UnitTable::add_code(const std::vector<CodeFingerprint>& code) {
  for (const CodeFingerprint& piece : code)
    code_.push_back("{" + quoted(kind_word(piece.kind)) + ", " + quoted(piece.key) + ", " +
                    quoted(piece.name) + ", " + quoted(piece.detail) + ", " + quoted(piece.hash) +
                    "}");
}

// `rows` as a static array of `type` named `name`, appended to `text`;
// returns the name, or nullptr when there are no rows.
static std::string static_table(std::string& text, const char* type, const char* name,
                                const std::vector<std::string>& rows) {
  if (rows.empty()) return "nullptr";
  text += std::string("static const ::__softpatch_") + type + " " + name + "[] = {\n";
  for (const std::string& row : rows) text += "  " + row + ",\n";
  text += "};\n";
  return name;
}

std::string UnitTable::prologue(llvm::StringRef runtime_header,
                                llvm::StringRef header_slots) const {
  std::string text = include_directive(runtime_header) + "\n";
  if (slot_count())
    text += "static ::__softpatch_slot __softpatch_slots[" + std::to_string(slot_count()) + "];\n";
  return text + header_slots.str() + "#line 1 " + quoted(file_) + "\n";
}

namespace {

// A patch shares the slots of the module it is for, whatever the
// visibility the file it is built from gives them.
HeaderSlot header_slot_kind(const InstrumentedFunction& function, ModuleSlots* module) {
  if (!module) return function.own_copy ? HeaderSlot::kOwn : HeaderSlot::kShared;
  std::string symbol = header_slot_symbol(function.id);
  bool hidden_there = module->hidden ? module->hidden->count(symbol) != 0 : function.own_copy;
  if (!hidden_there) return function.own_copy ? HeaderSlot::kOwn : HeaderSlot::kShared;
  module->bound.emplace(*bound_header_slot_symbol(symbol), function.name);
  return HeaderSlot::kBound;
}

}  // namespace

std::string UnitTable::header_slot_definitions(ModuleSlots* module) const {
  std::string text;
  for (const InstrumentedFunction& function : functions_) {
    if (function.instantiation) continue;  // a template's slots are its own (template_slots.h)
    text += header_slot_definition(function.id, header_slot_kind(function, module)) + "\n";
  }
  return text;
}

std::string UnitTable::patch_prologue(llvm::StringRef patch_header,
                                      llvm::StringRef header_slots) const {
  std::string text = include_directive(patch_header) + "\n";
  if (!import_ids_.empty())
    text += "static ::__softpatch_raw_function __softpatch_imported[" +
            std::to_string(import_ids_.size()) + "];\n";
  // Each wrapped lambda expression's closure type notes the code of its
  // call operator while the patch loads (a static member's initialiser,
  // kept where the wrapper's call is folded away at compile time). Local to
  // the patch: a lambda of an inline function has a closure type with
  // linkage, and a later patch's note must not bind to an earlier one's.
  if (lambdas_)
    text += "static ::__softpatch_raw_function __softpatch_lambda_codes[" +
            std::to_string(lambdas_) +
            "];\n"
            "namespace { template <unsigned I, class L> struct __softpatch_lambda_note { static "
            "const bool noted; }; }\n"
            "template <unsigned I, class L> __attribute__((used)) const bool "
            "__softpatch_lambda_note<I, L>::noted = "
            "::__softpatch_note_code(::__softpatch_lambda_codes[I], &L::operator());\n"
            "template <unsigned I, class L> static " +
            std::string(constexpr_closures_ ? "constexpr " : "") +
            "L __softpatch_lambda(L l) { (void)&__softpatch_lambda_note<I, L>::noted; return "
            "static_cast<L&&>(l); }\n";
  return text + header_slots.str() + "#line 1 " + quoted(file_) + "\n";
}

std::string UnitTable::manifest(llvm::StringRef build_id) const {
  std::string text = "\n// Added by softpatch-rewrite: what this patch replaces.\n" + helpers_;
  if (!thunks_.empty()) text += "struct __softpatch_access {\n" + thunks_ + "};\n";
  std::vector<std::string> rows;
  for (size_t i = 0; i < functions_.size(); ++i) {
    std::string flags = build_code_.count(i) ? "::__softpatch_build_code" : "0u";
    if (functions_[i].nothrow) flags += " | ::__softpatch_nothrow";
    rows.push_back("{" + quoted(functions_[i].id) + ", " + quoted(functions_[i].signature) + ", " +
                   addresses_[i] + ", " + imports_[i] + ", " + flags + "}");
  }
  std::string functions = static_table(text, "patch_function", "__softpatch_patch_functions", rows);
  std::string layouts = static_table(text, "layout_record", "__softpatch_layouts", layouts_);
  std::string code = static_table(text, "fingerprint_record", "__softpatch_code", code_);
  text +=
      "extern \"C\" __attribute__((visibility(\"default\"))) const ::__softpatch_patch_manifest "
      "softpatch_manifest = {"
      "::__softpatch_manifest_version, " +
      quoted(build_id) + ", " + quoted(project_file_) + ", " + functions + ", " +
      std::to_string(rows.size()) + "u, " + layouts + ", " + std::to_string(layouts_.size()) +
      "u, " + (header_ ? "::__softpatch_manifest_header" : "::__softpatch_manifest_whole_file") +
      ", " + code + ", " + std::to_string(code_.size()) + "u};\n";
  return text;
}

std::string UnitTable::epilogue() const {
  std::string text =
      header_
          ? "\n// Added by softpatch-rewrite: registers the functions of " + project_file_ + ".\n"
          : "\n// Added by softpatch-rewrite: registers this file's functions.\n";
  text += helpers_;
  std::string name = "__softpatch_" + prefix_;
  std::string functions =
      static_table(text, "function_record", (name + "functions").c_str(), records_);
  std::string variables =
      static_table(text, "variable_record", (name + "variables").c_str(), variables_);
  std::string layouts = static_table(text, "layout_record", (name + "layouts").c_str(), layouts_);
  std::string code = static_table(text, "fingerprint_record", (name + "code").c_str(), code_);
  text += "static ::__softpatch_translation_unit " + name + "unit = {::__softpatch_unit_version, " +
          quoted(file_) + ", " + quoted(project_file_) + ", " + functions + ", " +
          std::to_string(records_.size()) + "u, " + variables + ", " +
          std::to_string(variables_.size()) + "u, " + layouts + ", " +
          std::to_string(layouts_.size()) + "u, " + code + ", " + std::to_string(code_.size()) +
          "u, nullptr, nullptr};\n";
  text += "static ::__softpatch_unit_registration " + name + "registration(" + name + "unit);\n";
  return text;
}

}  // namespace softpatch::rewriter
