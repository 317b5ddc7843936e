#include "header_units.h"

#include "clang/AST/RecursiveASTVisitor.h"

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
static HeaderBody header_body(const clang::FunctionDecl& function, std::string id) {
  HeaderBody body{&function, std::move(id), CodeKind::kFunction, ""};
  if (is_constructor_or_destructor(function)) {
    // Their bodies have slots (mocks use them), but a patch does not carry
    // them yet: it would have to declare body members in the class.
    body.kind = CodeKind::kUnpatchable;
    body.detail = llvm::isa<clang::CXXConstructorDecl>(function) ? "constructor defined in a header"
                                                                 : "destructor defined in a header";
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

void HeaderUnits::instrument(
    std::vector<InstrumentedFunction>& functions, std::vector<SkippedFunction>& skipped,
    const std::function<std::optional<std::string>(const clang::FunctionDecl&)>& dependence) {
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
    if (!reason && (is_template_pattern(*function) || function->getTemplateSpecializationInfo() ||
                    function->getMemberSpecializationInfo()))
      reason = "template in a header (templates get slots in .cpp files only, so far)";
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
    unit.bodies.push_back(header_body(*function, unit.naming.id(*function)));
    slotted.push_back({function, file, line});
    if (!carried_path_.empty() && headers_.path(file) == carried_path_) carried_file_ = file;
  }
  for (auto& [file, unit] : units_) {
    unit->code =
        fingerprint_header(sources, context_.getLangOpts(), file, headers_.project_file(file),
                           unit->naming, unit->bodies, preprocessed_);
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
    if (carry) {
      carried_table_->add_function(*s.function, s.line);
      carried_.push_back(s.function);
      continue;  // registered by the build, not by the patch
    }
    unit.editor.add(*s.function, s.line);
    InstrumentedFunction added = unit.table.functions().back();
    added.file = headers_.path(s.file);
    functions.push_back(added);
  }
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

std::string HeaderUnits::slot_definitions() const {
  std::string text;
  for (const auto& [file, unit] : units_) text += unit->table.header_slot_definitions();
  return text;
}

HeaderUnits::Unit& HeaderUnits::unit_for(clang::FileID file) {
  auto it = units_.find(file);
  if (it != units_.end()) return *it->second;
  auto unit =
      std::make_unique<Unit>(context_, edits_, headers_.path(file), headers_.project_file(file),
                             "h" + std::to_string(units_.size()) + "_");
  return *units_.emplace(file, std::move(unit)).first->second;
}

}  // namespace softpatch::rewriter
