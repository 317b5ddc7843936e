#include "header_units.h"

#include "clang/AST/RecursiveASTVisitor.h"

#include "body_members.h"
#include "eligibility.h"
#include "header_functions.h"
#include "softpatch/rewriter/instrumenter.h"

namespace softpatch::rewriter {

// State that `function`'s code reaches and that a patch's copy of it would
// have anew: a static variable of its own (an inline function's is the
// program's symbol, but such functions stay plain in headers; any other's
// is local), a mutable variable with internal linkage (each file that
// includes the header has one), or a call of an internal function that has
// a static variable. Null when there is none.
static const clang::NamedDecl* per_file_state(const clang::FunctionDecl& function) {
  class Finder : public clang::RecursiveASTVisitor<Finder> {
   public:
    bool VisitDeclRefExpr(clang::DeclRefExpr* reference) {
      const clang::ValueDecl* decl = reference->getDecl();
      if (const auto* variable = llvm::dyn_cast<clang::VarDecl>(decl)) {
        if (variable->hasGlobalStorage() && !variable->isStaticLocal() &&
            !variable->isExternallyVisible() && !variable->getType().isConstQualified())
          found = variable;
      } else if (const auto* callee = llvm::dyn_cast<clang::FunctionDecl>(decl)) {
        const clang::FunctionDecl* definition = callee->getDefinition();
        if (definition && !definition->isExternallyVisible() && static_variable_of(*definition))
          found = callee;
      }
      return found == nullptr;
    }
    const clang::NamedDecl* found = nullptr;
  };
  if (const clang::VarDecl* own = static_variable_of(function)) return own;
  Finder finder;
  finder.TraverseStmt(function.getBody());
  return finder.found;
}

// What a patch of a header does with one of its functions: carried
// (kFunction), or not, with why (a patch's copy could not stand in for the
// build's everywhere).
static HeaderBody header_body(const clang::FunctionDecl& function, const Naming& naming,
                              const TextEdits& edits) {
  // A template's piece is its pattern's text; a patch carries each of its
  // instantiations that the file it is built from has (the loader refuses
  // one that lacks some of the program's).
  bool pattern = is_template_pattern(function);
  HeaderBody body{&function,
                  pattern
                      ? template_key(function, naming) + "|" + template_parameter_kinds(function) +
                            function.getType().getAsString()
                      : naming.id(function),
                  CodeKind::kFunction, ""};
  if (pattern && function.isConstexpr()) {
    body.kind = CodeKind::kUnpatchable;
    body.detail = "constexpr function template defined in a header";
  } else if (std::optional<std::string> problem = body_member_problem(function, edits)) {
    // A constructor's or destructor's slot serves mocks; a patch carries
    // its body in a member (body_members.h) where it can write one.
    body.kind = CodeKind::kUnpatchable;
    body.detail = *problem + ", defined in a header";
  } else if (function.isConstexpr()) {
    // What the files that include it computed with it at compile time
    // would keep the old results: a patch built from one file cannot
    // compile the others again.
    body.kind = CodeKind::kUnpatchable;
    body.detail = "constexpr function defined in a header";
  } else if (const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(&function);
             method && !method->isExternallyVisible()) {
    // No symbol finds a patch's copy, and no thunk is made for it yet.
    body.kind = CodeKind::kUnpatchable;
    body.detail = "member of a class local to each file, defined in a header";
  } else if (const clang::NamedDecl* state = per_file_state(function)) {
    // A patch's copy would have state of its own, shared by the calls of
    // every file.
    body.kind = CodeKind::kUnpatchable;
    body.detail =
        "function whose state (" + state->getNameAsString() + ") a patch's copy would not share";
  }
  return body;
}

// A declaration of `function`'s instantiations that makes a file built
// without softpatch call a symbol of one file (an `extern template`, an
// explicit specialization that is not inline): the ABI tag of an
// instrumented copy would keep it from linking. "" when there is none.
static std::string instantiation_made_elsewhere(const clang::FunctionDecl& pattern) {
  auto problem = [&](const clang::FunctionDecl& instance) -> std::string {
    clang::TemplateSpecializationKind kind = instance.getTemplateSpecializationKind();
    if (kind == clang::TSK_ExplicitInstantiationDeclaration)
      return "template with an explicit instantiation declaration (extern template), which files "
             "built without softpatch would link to by its plain name";
    if (kind == clang::TSK_ExplicitSpecialization && !instance.isInlined())
      return "template with an explicit specialization that is not inline, which files built "
             "without softpatch would link to by its plain name";
    return "";
  };
  if (const clang::FunctionTemplateDecl* own = pattern.getDescribedFunctionTemplate())
    for (const clang::FunctionDecl* instance : own->specializations())
      if (std::string why = problem(*instance); !why.empty()) return why;
  const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(&pattern);
  const clang::ClassTemplateDecl* owner =
      method ? method->getParent()->getDescribedClassTemplate() : nullptr;
  if (!owner) return "";
  for (const clang::ClassTemplateSpecializationDecl* specialization : owner->specializations())
    for (const clang::Decl* each : specialization->redecls())
      if (const auto* declared = llvm::dyn_cast<clang::ClassTemplateSpecializationDecl>(each);
          declared &&
          (declared->getExternLoc().isValid() ||
           declared->getSpecializationKind() == clang::TSK_ExplicitInstantiationDeclaration))
        return "member of a class template with an explicit instantiation declaration (extern "
               "template), which files built without softpatch would link to by its plain name";
  // A member's explicit specialization (`template <> void Box<int>::set(int)`).
  for (const clang::ClassTemplateSpecializationDecl* specialization : owner->specializations()) {
    const clang::CXXRecordDecl* definition = specialization->getDefinition();
    if (!definition) continue;
    for (const clang::Decl* member : definition->decls()) {
      const auto* function = llvm::dyn_cast<clang::FunctionDecl>(member);
      const clang::MemberSpecializationInfo* info =
          function ? function->getMemberSpecializationInfo() : nullptr;
      if (info && info->getInstantiatedFrom()->getCanonicalDecl() == pattern.getCanonicalDecl())
        if (std::string why = problem(*function); !why.empty()) return why;
    }
  }
  return "";
}

// The name of an instantiation of the template `pattern` in this file that
// has no slot (its arguments cannot be written where records are, or it is
// made in an #if the compiler may decide otherwise), or "".
static std::string instantiation_without_slot(const clang::FunctionDecl& pattern,
                                              const Naming& naming, const Dependence& dependence) {
  if (!is_template_pattern(pattern)) return "";
  for (const clang::FunctionDecl* instance : instances_of(pattern))
    if ((dependence && dependence(*instance)) || !template_slot_of(*instance, pattern, naming))
      return naming.readable_name(*instance);
  return "";
}

// Why `function`, a template or an instantiation in a header, gets no
// slot, or nothing when it can have slots.
static std::optional<std::string> header_template_problem(const clang::FunctionDecl& function,
                                                          bool compiler_is_gcc) {
  // g++ mangles these without the tag that keeps the instrumented copies
  // apart from a plain file's: the symbol would not be the one the id says.
  auto of_global_namespace = [](const clang::FunctionDecl& pattern) {
    return pattern.isExternallyVisible() && pattern.getDescribedFunctionTemplate() &&
           pattern.getDeclContext()->getRedeclContext()->isTranslationUnit();
  };
  const clang::FunctionTemplateSpecializationInfo* specialization =
      function.getTemplateSpecializationInfo();
  if (specialization || function.getMemberSpecializationInfo()) {
    // An explicit specialization is a function of its own, tagged on its
    // first declaration; Clang takes the tag on the template only, where
    // it would rename every other instantiation too.
    if (!compiler_is_gcc && function.isInlined())
      return "explicit specialization in a header, under Clang (which takes an ABI tag on the "
             "template only)";
    if (compiler_is_gcc && specialization &&
        of_global_namespace(*specialization->getTemplate()->getTemplatedDecl()))
      return "explicit specialization of a function template of the global namespace, whose "
             "ABI tag g++ ignores (a plain file's copy could be the one the linker keeps)";
    return std::nullopt;
  }
  if (!is_template_pattern(function)) return std::nullopt;
  if (std::optional<std::string> problem = template_problem(function)) return problem;
  if (std::string why = instantiation_made_elsewhere(function); !why.empty()) return why;
  // A file that includes only the declaration calls the instantiations by
  // their plain name, to be made elsewhere (fmt's thousands_sep_impl, in
  // format.h, defined in format-inl.h, instantiated in format.cc): the
  // tag of an instrumented instantiation would keep them from linking.
  const clang::SourceManager& sources = function.getASTContext().getSourceManager();
  const clang::FunctionDecl& first = *function.getFirstDecl();
  clang::SourceLocation declared = sources.getExpansionLoc(first.getLocation());
  if (sources.getFileID(declared) !=
      sources.getFileID(sources.getExpansionLoc(function.getLocation()))) {
    clang::PresumedLoc place = sources.getPresumedLoc(declared);
    return "template declared in another file than its definition (" +
           std::string(place.getFilename()) + ":" + std::to_string(place.getLine()) +
           "), whose includers call its instantiations by their plain name";
  }
  if (compiler_is_gcc && of_global_namespace(function))
    return "function template of the global namespace, whose ABI tag g++ ignores (a plain "
           "file's copy could be the one the linker keeps)";
  return std::nullopt;
}

void HeaderUnits::instrument(std::vector<InstrumentedFunction>& functions,
                             std::vector<SkippedFunction>& skipped, const Findings& found) {
  const auto& dependence = found.compiler_dependence;
  const clang::SourceManager& sources = context_.getSourceManager();
  // First what gets a slot, and so what the headers' pieces are; then the
  // edits, which for a patch of a header depend on what its pieces say.
  struct Slotted {
    const clang::FunctionDecl* function;
    clang::FileID file;
    unsigned line;
  };
  std::vector<Slotted> slotted;
  for (const clang::FunctionDecl* function : header_definitions(context_, headers_)) {
    Eligibility verdict = eligibility(*function, sources);
    if (!verdict.listed) continue;
    clang::FileID file = sources.getFileID(sources.getExpansionLoc(function->getLocation()));
    std::optional<std::string> reason = verdict.reason;
    if (!reason) reason = header_template_problem(*function, found.compiler_is_gcc);
    if (!reason) reason = header_reason(*function, headers_, edits_, specifiers_);
    if (!reason && dependence) reason = dependence(*function);
    if (!reason && !EditPoints(*function).all_editable(edits_))
      reason = "produced by a macro in a way that cannot be rewritten";
    unsigned line = line_of(*function, sources);
    if (reason) {
      skipped.push_back(skipped_function(*function, line, *reason, headers_.path(file)));
      continue;
    }
    tag_instrumented_copy(*function, edits_);
    Unit& unit = unit_for(file);
    unit.bodies.push_back(header_body(*function, unit.naming, edits_));
    if (std::string slotless = instantiation_without_slot(*function, unit.naming, dependence);
        !slotless.empty() && unit.bodies.back().kind == CodeKind::kFunction) {
      // Its calls here would keep the old code after a patch of the
      // template: said in this file's record of the header, which the
      // loader reads whichever file a patch is built from.
      unit.bodies.back().kind = CodeKind::kUnpatchable;
      unit.bodies.back().detail = "template with an instantiation that has no slot (" + slotless +
                                  ", in " + headers_.main_project_file() + ")";
    }
    slotted.push_back({function, file, line});
    if (!carried_path_.empty() && headers_.path(file) == carried_path_) carried_file_ = file;
  }
  std::map<clang::FileID, std::vector<const clang::FieldDecl*>> fields;
  for (const clang::FieldDecl* field : header_initialised_fields(context_, headers_))
    fields[sources.getFileID(sources.getExpansionLoc(field->getLocation()))].push_back(field);
  for (auto& [file, unit] : units_) {
    unit->code =
        fingerprint_header(sources, context_.getLangOpts(), file, headers_.project_file(file),
                           unit->naming, unit->bodies, fields[file], preprocessed_);
    unit->table.add_code(unit->code);
  }
  // The manifest lists the carried functions only: the others' slots go on
  // where they point (a trampoline whose slot led to itself would recurse).
  if (carried_file_) {
    Unit& unit = *units_.at(*carried_file_);
    carried_table_.emplace(UnitTable::for_header(unit.naming, headers_.path(*carried_file_),
                                                 headers_.project_file(*carried_file_),
                                                 "carried_"));
    carried_table_->add_code(unit.code);
  }
  std::optional<std::set<std::string>> chosen;
  if (carried_file_ && choose_carried_) chosen = choose_carried_(units_.at(*carried_file_)->code);
  std::map<clang::FileID, std::size_t> next_body;
  for (const Slotted& s : slotted) {
    Unit& unit = *units_.at(s.file);
    const HeaderBody& body = unit.bodies[next_body[s.file]++];
    bool carry = carried_file_ == s.file && body.kind == CodeKind::kFunction &&
                 (!chosen || chosen->count(body.id));
    if (carry && is_template_pattern(*s.function)) {
      carry_template(*s.function, s.line, unit.naming);
      continue;
    }
    if (carry && is_constructor_or_destructor(*s.function)) {
      carry_body(llvm::cast<clang::CXXMethodDecl>(*s.function), s.line, unit.naming);
      continue;
    }
    if (carry) {
      carried_table_->add_function(*s.function, s.line);
      carried_.push_back(s.function);
      continue;  // registered by the build, not by the patch
    }
    std::size_t known_functions = unit.table.functions().size();
    std::size_t known_templates = unit.table.templates().size();
    if (is_template_pattern(*s.function))
      unit.editor.add_template(*s.function, s.line, skipped, headers_.path(s.file), dependence);
    else
      unit.editor.add(*s.function, s.line);
    auto list = [&](const std::vector<InstrumentedFunction>& all, std::size_t known) {
      for (std::size_t i = known; i < all.size(); ++i) {
        functions.push_back(all[i]);
        functions.back().file = headers_.path(s.file);
      }
    };
    list(unit.table.templates(), known_templates);
    list(unit.table.functions(), known_functions);
  }
}

// Plain in the patch: the template's instantiations that the file has are
// the new code, each row naming it. The loader refuses the patch when the
// program has others; the patch refuses itself when the file has none.
// (One whose instantiation here has no slot is an unpatchable piece, never
// carried: instantiation_without_slot().)
void HeaderUnits::carry_template(const clang::FunctionDecl& pattern, unsigned line,
                                 const Naming& naming) {
  auto refuse = [&](std::string why) {
    if (carry_problem_.empty()) carry_problem_ = std::move(why);
  };
  std::size_t carried = carried_table_->functions().size();
  for (const clang::FunctionDecl* instance : instances_of(pattern)) {
    if (!carried_table_->add_patched_instance(*instance, pattern, line, /*changed=*/true))
      refuse(naming.readable_name(*instance) +
             " has no name the patch can take its new code by (a private instantiation local "
             "to a file): restart needed");
  }
  if (carried_table_->functions().size() == carried)
    refuse(naming.readable_name(pattern) + " changed, and " + headers_.main_project_file() +
           ", the file the patch is built from, has none of its instantiations: restart needed");
}

// A constructor's or destructor's new body, in a member of its class that
// the slot leads to (body_members.h): the copy of the header declares it.
void HeaderUnits::carry_body(const clang::CXXMethodDecl& function, unsigned line,
                             const Naming& naming) {
  if (const clang::CXXRecordDecl* record =
          befriend_access(*function.getParent(), edits_, befriended_)) {
    if (carry_problem_.empty())
      carry_problem_ = "cannot patch " + naming.readable_name(function) + ": the definition of " +
                       record->getQualifiedNameAsString() + " is made by a macro";
    return;
  }
  std::string member = body_member_name(naming.id(function));
  carry_body_in_member(function, member, name_parameters(function, edits_), edits_);
  carried_table_->add_function(function, line);
  carried_table_->add_body_entry(function, member);
}

UnitTable* HeaderUnits::carried_table() { return carried_table_ ? &*carried_table_ : nullptr; }

const std::vector<CodeFingerprint>& HeaderUnits::carried_code() const {
  static const std::vector<CodeFingerprint> kNone;
  return carried_file_ ? units_.at(*carried_file_)->code : kNone;
}

std::string HeaderUnits::include_copies(const std::string& body, llvm::StringRef original,
                                        const clang::Rewriter& rewriter,
                                        std::vector<ShadowHeader>& copies) {
  // Edited: a header whose functions have a unit, and one that only
  // declares one first (its ABI tag) or befriends a patch's thunk.
  std::set<clang::FileID> edited;
  for (clang::FileID file : headers_.copyable())
    if (rewriter.getRewriteBufferFor(file)) edited.insert(file);
  headers_.shadow(edited);
  if (by_content_) headers_.move_under_content_name(rewriter);
  copies = headers_.shadows(rewriter);
  return headers_.with_shadow_includes(body, original);
}

std::string HeaderUnits::epilogue() const {
  std::string text;
  for (const auto& [file, unit] : units_) text += unit->table.epilogue();
  return text;
}

std::map<std::string, std::vector<CodeFingerprint>> HeaderUnits::code_by_header() const {
  std::map<std::string, std::vector<CodeFingerprint>> code;
  for (const auto& [file, unit] : units_) code[headers_.project_file(file)] = unit->code;
  return code;
}

std::string HeaderUnits::slot_definitions(ModuleSlots* module) const {
  std::string text;
  for (const auto& [file, unit] : units_) text += unit->table.header_slot_definitions(module);
  return text;
}

HeaderUnits::Unit& HeaderUnits::unit_for(clang::FileID file) {
  auto it = units_.find(file);
  if (it != units_.end()) return *it->second;
  auto unit =
      std::make_unique<Unit>(context_, edits_, headers_.path(file), headers_.project_file(file),
                             "h" + std::to_string(units_.size()) + "_");
  unit->naming.set_translation_unit_file(headers_.main_project_file());
  return *units_.emplace(file, std::move(unit)).first->second;
}

}  // namespace softpatch::rewriter
