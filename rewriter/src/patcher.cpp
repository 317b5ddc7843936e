// Patch mode: the edited file's new code, sharing the program's state.
#include "softpatch/rewriter/patcher.h"

#include <map>
#include <set>

#include "clang/AST/DeclCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Lex/Lexer.h"
#include "clang/Rewrite/Core/Rewriter.h"
#include "llvm/Support/Path.h"

#include "body_members.h"
#include "eligibility.h"
#include "fingerprints.h"
#include "header_units.h"
#include "lambda_slots.h"
#include "layouts.h"
#include "naming.h"
#include "parse_file.h"
#include "quote_includes.h"
#include "source_text.h"
#include "template_slots.h"
#include "text_edits.h"
#include "trampoline.h"
#include "unit_table.h"
#include "variable_binding.h"

namespace softpatch::rewriter {
namespace {

llvm::Error cannot_patch(const clang::Decl& decl, const clang::SourceManager& sources,
                         const std::string& why) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 sources.getFilename(sources.getExpansionLoc(decl.getLocation())) +
                                     ":" + std::to_string(line_of(decl, sources)) + ": " + why);
}

// Where a variable's declarator ends (its name, or a trailing `[N]`).
clang::SourceLocation declarator_end(const clang::VarDecl& variable) {
  clang::SourceLocation name = variable.getLocation();
  clang::SourceLocation type_end = variable.getTypeSourceInfo()->getTypeLoc().getEndLoc();
  return type_end.getRawEncoding() > name.getRawEncoding() ? type_end : name;
}

// What the file's code names, for a patch that leaves some bodies out: per
// function (canonical declaration), the functions its body names (a lambda's
// body is its enclosing function's; instantiated templates count, and a call
// not yet resolved counts for every candidate); what code outside any body
// names (initialisers, which run while the patch loads); and the functions
// that define local classes.
struct FileUses {
  std::map<const clang::Decl*, std::set<const clang::Decl*>> by_function;
  std::set<const clang::Decl*> outside;
  std::set<const clang::Decl*> with_local_classes;

  // The functions that may run while the patch loads: what the
  // initialisers name, and all that reaches.
  std::set<const clang::Decl*> run_at_load() const {
    std::set<const clang::Decl*> reached;
    std::vector<const clang::Decl*> pending(outside.begin(), outside.end());
    while (!pending.empty()) {
      const clang::Decl* next = pending.back();
      pending.pop_back();
      if (!reached.insert(next).second) continue;
      if (auto found = by_function.find(next); found != by_function.end())
        pending.insert(pending.end(), found->second.begin(), found->second.end());
    }
    return reached;
  }

  // What the patch still names once the bodies of `left_out` are gone.
  std::set<const clang::Decl*> named_without(const std::set<const clang::Decl*>& left_out) const {
    std::set<const clang::Decl*> named = outside;
    for (const auto& [function, uses] : by_function)
      if (!left_out.count(function)) named.insert(uses.begin(), uses.end());
    return named;
  }
};

FileUses uses_of_file(clang::ASTContext& context) {
  class Finder : public clang::RecursiveASTVisitor<Finder> {
   public:
    explicit Finder(FileUses& uses) : uses_(uses) {}
    bool shouldVisitTemplateInstantiations() const { return true; }
    bool shouldVisitImplicitCode() const { return true; }
    bool TraverseDecl(clang::Decl* decl) {
      auto* function = llvm::dyn_cast_or_null<clang::FunctionDecl>(decl);
      const auto* method = llvm::dyn_cast_or_null<clang::CXXMethodDecl>(function);
      bool own = function && !(method && method->getParent()->isLambda());
      if (own) enclosing_.push_back(function->getCanonicalDecl());
      bool result = clang::RecursiveASTVisitor<Finder>::TraverseDecl(decl);
      if (own) enclosing_.pop_back();
      return result;
    }
    bool VisitCXXRecordDecl(clang::CXXRecordDecl* record) {
      if (!record->isLambda() && !enclosing_.empty())
        uses_.with_local_classes.insert(enclosing_.back());
      return true;
    }
    bool VisitDeclRefExpr(clang::DeclRefExpr* reference) {
      note(reference->getDecl());
      return true;
    }
    bool VisitMemberExpr(clang::MemberExpr* member) {
      note(member->getMemberDecl());
      return true;
    }
    bool VisitOverloadExpr(clang::OverloadExpr* overloads) {
      for (clang::NamedDecl* candidate : overloads->decls()) note(candidate->getUnderlyingDecl());
      return true;
    }
    bool VisitCXXConstructExpr(clang::CXXConstructExpr* construct) {
      note(construct->getConstructor());
      return true;
    }
    bool VisitCXXNewExpr(clang::CXXNewExpr* allocation) {
      note(allocation->getOperatorNew());
      note(allocation->getOperatorDelete());
      return true;
    }
    bool VisitCXXDeleteExpr(clang::CXXDeleteExpr* deletion) {
      note(deletion->getOperatorDelete());
      return true;
    }

   private:
    void note(const clang::Decl* decl) {
      if (const auto* pattern = llvm::dyn_cast_or_null<clang::FunctionTemplateDecl>(decl))
        decl = pattern->getTemplatedDecl();
      const auto* function = llvm::dyn_cast_or_null<clang::FunctionDecl>(decl);
      if (!function) return;
      const clang::Decl* used = function->getCanonicalDecl();
      if (enclosing_.empty())
        uses_.outside.insert(used);
      else
        uses_.by_function[enclosing_.back()].insert(used);
    }
    FileUses& uses_;
    std::vector<const clang::Decl*> enclosing_;
  };
  FileUses uses;
  Finder finder(uses);
  finder.TraverseDecl(context.getTranslationUnitDecl());
  return uses;
}

class Patcher {
 public:
  Patcher(clang::ASTContext& context, TextEdits& edits, const Naming& naming,
          const std::string& project_file)
      : context_(context),
        sources_(context.getSourceManager()),
        edits_(edits),
        naming_(naming),
        project_file_(project_file) {}

  // `int g = 1;` -> `extern int g;`: the program's variable, not a new one.
  llvm::Error make_extern(const clang::VarDecl& variable) {
    if (variable.getBeginLoc().isMacroID() || variable.getEndLoc().isMacroID())
      return cannot_patch(variable, sources_,
                          variable.getNameAsString() + " is defined by a macro");
    if (externed_.insert(variable.getBeginLoc().getRawEncoding()).second)
      edits_.insert_before(variable.getBeginLoc(), "extern ");
    clang::SourceLocation from = clang::Lexer::getLocForEndOfToken(
        declarator_end(variable), 0, sources_, context_.getLangOpts());
    clang::SourceLocation to = clang::Lexer::getLocForEndOfToken(variable.getEndLoc(), 0, sources_,
                                                                 context_.getLangOpts());
    if (variable.hasInit() && from < to)
      edits_.blank(clang::CharSourceRange::getCharRange(from, to));
    return llvm::Error::success();
  }

  // `int Counter::count = 0;` goes: the program defines it.
  llvm::Error drop(const clang::VarDecl& variable) {
    llvm::Optional<clang::Token> semicolon =
        clang::Lexer::findNextToken(variable.getEndLoc(), sources_, context_.getLangOpts());
    if (!semicolon || !semicolon->is(clang::tok::semi) ||
        !edits_.blank(clang::CharSourceRange::getTokenRange(variable.getBeginLoc(),
                                                            semicolon->getLocation())))
      return cannot_patch(variable, sources_,
                          "cannot remove the definition of " + variable.getQualifiedNameAsString());
    return llvm::Error::success();
  }

  llvm::Error bind(const clang::VarDecl& variable) {
    if (!bind_in_place(variable, project_file_, variable.getQualifiedNameAsString(), edits_,
                       context_))
      return cannot_patch(variable, sources_,
                          "cannot share " + variable.getQualifiedNameAsString() +
                              " with the program (declared together with others, or by a macro)");
    return llvm::Error::success();
  }

  // Classes with internal linkage have no symbols for the loader to find
  // their methods by; thunks in ::__softpatch_access reach them instead,
  // through friendship (which changes nothing in the class's layout).
  llvm::Error befriend_thunks(const clang::CXXMethodDecl& method) {
    if (const clang::CXXRecordDecl* record =
            befriend_access(*method.getParent(), edits_, befriended_))
      return cannot_patch(method, sources_,
                          "cannot patch members of " + record->getQualifiedNameAsString() +
                              " (its definition is made by a macro)");
    return llvm::Error::success();
  }

  // A constructor's or destructor's body goes into a member of its own,
  // the entry of its slot (body_members.h).
  llvm::Error carry_body(const clang::CXXMethodDecl& function, UnitTable& table) {
    if (llvm::Error error = befriend_thunks(function)) return error;
    std::string member = body_member_name(naming_.id(function));
    carry_body_in_member(function, member, name_parameters(function, edits_), edits_);
    table.add_body_entry(function, member);
    return llvm::Error::success();
  }

  // The lambda's entry (it has a slot: lambda_slots()): the code of its
  // closure's call operator, which the expression, wrapped, notes as the
  // patch loads.
  void carry_lambda(const clang::LambdaExpr& lambda, UnitTable& table) {
    const clang::CXXMethodDecl& call = *lambda.getCallOperator();
    table.add_function(call, line_of(call, sources_));
    edits_.insert_before(lambda.getBeginLoc(), table.add_lambda_entry(call));
    edits_.insert_after(lambda.getEndLoc(), ")");
    insert_closure_anchor(lambda, edits_);
  }

  // Whether import_from_program can take `function`: the loader can find
  // the program's copy, and the body is plain text of the file.
  bool can_import(const clang::FunctionDecl& function, const UnitTable& table) const {
    // A constructor's body has no code of its own in the program; a
    // forwarder could not be evaluated at compile time.
    if (is_constructor_or_destructor(function) || function.isConstexpr() ||
        !table.importable(function))
      return false;
    EditPoints points(function);
    return points.body_start.isFileID() && points.body_last.isFileID() &&
           sources_.isInMainFile(points.body_start) && points.all_editable(edits_);
  }

  // Lets `function` (can_import) run the program's own copy: when the
  // patch's code calls it (`called`), its body calls that copy through an
  // import; else its definition goes, and nothing of it is compiled.
  void import_from_program(const clang::FunctionDecl& function, UnitTable& table, unsigned line,
                           bool called) {
    EditPoints points(function);
    clang::CharSourceRange body =
        clang::CharSourceRange::getTokenRange(points.body_start, points.body_last);
    unsigned index = table.add_import(function, line);
    if (!called && drop_definition(function, body)) return;
    std::vector<std::string> names = name_parameters(function, edits_);
    edits_.replace(
        body, "{ " +
                  forwarding_statement(function, table.import_expression(index), names, naming_) +
                  " }");
  }

  // A definition nothing in the patch calls, gone: a free function's body
  // becomes `;` (a declaration), a method's definition out of its class
  // goes whole. Not for virtual functions (a vtable the patch emits names
  // them), written attributes (they would attach to what follows), or an
  // internal function (a static declared and never defined is a warning).
  bool drop_definition(const clang::FunctionDecl& function, clang::CharSourceRange body) {
    const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(&function);
    if ((method && method->isVirtual()) || function.hasAttrs() || !function.isExternallyVisible())
      return false;
    if (!method) return edits_.replace(body, ";");
    clang::SourceLocation begin = function.getBeginLoc();
    if (!method->isOutOfLine() || !begin.isFileID()) return false;
    return edits_.blank(clang::CharSourceRange::getTokenRange(begin, body.getEnd()));
  }

  // Inline functions are emitted only where used; the loader needs them.
  // The attribute goes before the name, qualifier included
  // (`inline int __attribute__((used)) Tally::get()`).
  void keep(const clang::FunctionDecl& function) {
    clang::SourceLocation name = function.getQualifierLoc()
                                     ? function.getQualifierLoc().getBeginLoc()
                                     : function.getLocation();
    if (function.isInlined() && edits_.can_edit(name))
      edits_.insert_before(name, "__attribute__((used)) ");
  }

 private:
  clang::ASTContext& context_;
  const clang::SourceManager& sources_;
  TextEdits& edits_;
  const Naming& naming_;
  std::string project_file_;
  std::set<clang::SourceLocation::UIntTy> externed_;
  std::set<const clang::CXXRecordDecl*> befriended_;
};

// Why the file that includes `header` instruments none of its functions: the
// reason its first function was skipped for, if it was seen at all.
std::string why_no_function_carried(const std::string& header, const std::string& includer,
                                    const std::vector<SkippedFunction>& skipped) {
  std::string real = real_or_absolute_path(header);
  for (const SkippedFunction& function : skipped)
    if (function.file == real)
      return "no function of it can be patched from " + includer + " (" + function.name + ": " +
             function.reason + ")";
  return includer + " instruments none of its functions (it has none with a body, or " + includer +
         " does not include it)";
}

}  // namespace

llvm::Expected<PatchSource> make_patch_source(llvm::StringRef file,
                                              llvm::ArrayRef<std::string> compiler_command,
                                              const PatchOptions& options) {
  std::string original = options.original_file.empty() ? file.str() : options.original_file;
  std::string original_dir = llvm::sys::path::parent_path(absolute_path(original)).str();
  std::vector<std::string> command(compiler_command.begin(), compiler_command.end());
  // Parsed from elsewhere, the edited text still includes its neighbours.
  if (original != file) command.insert(command.begin() + 1, {"-iquote", original_dir});

  PatchSource out;
  llvm::Error failure = llvm::Error::success();
  auto patch = [&](clang::ASTContext& context, const Findings& found,
                   const MacroTokens& macro_tokens) {
    clang::SourceManager& sources = context.getSourceManager();
    std::string project_file = project_relative(original, options.project_root);
    Naming naming(context, project_file);
    UnitTable table(naming, original, project_file);
    clang::Rewriter rewriter(sources, context.getLangOpts());
    TextEdits edits(rewriter, macro_tokens);
    Patcher patcher(context, edits, naming, project_file);
    out.skipped = found.skipped;
    out.hidden_by_default =
        context.getLangOpts().getValueVisibilityMode() == clang::HiddenVisibility;
    ModuleSlots module{options.hidden_header_slots, out.bound_slots};
    // The patch's copies of the headers' functions are instrumented as the
    // build's are: the same (tagged) names, so the dynamic linker binds an
    // inline function's statics to the program's, and calls from the patch
    // go through the same slots, so mocks reach them. (A `static inline`
    // function's statics are the patch's own: see docs/architecture.md.)
    std::optional<HeaderUnits> header_units;
    if (!options.shadow_directory.empty()) {
      header_units.emplace(
          context, found.search, macro_tokens, edits,
          HeaderPlaces{options.project_root, options.shadow_directory, options.preamble_cache,
                       /*by_content=*/true});
      if (!options.header.empty())
        header_units->carry(real_or_absolute_path(options.header), options.choose_compiled);
      std::vector<InstrumentedFunction> in_headers;  // registered by the build, not the patch
      header_units->instrument(in_headers, out.skipped, found);
    }
    auto check = [&](llvm::Error error) {
      if (error && !failure)
        failure = std::move(error);
      else
        llvm::consumeError(std::move(error));
    };
    for (const clang::VarDecl* v : found.external_variables) check(patcher.make_extern(*v));
    for (const clang::VarDecl* v : found.static_member_definitions) check(patcher.drop(*v));
    for (const clang::VarDecl* v : found.unshared_static_members)
      check(cannot_patch(*v, sources,
                         "cannot share " + v->getQualifiedNameAsString() +
                             " with the program yet (a static member whose symbol is local to "
                             "the file: of a class with internal linkage, or of such a type): "
                             "restart needed"));
    for (const clang::VarDecl* v : found.internal_variables) check(patcher.bind(*v));
    if (context.getLangOpts().CPlusPlus14)
      for (const clang::VarDecl* v :
           bind_local_statics(found.local_statics, naming, edits, context))
        check(cannot_patch(*v, sources, "cannot share the static " + v->getNameAsString()));
    // The code first (from the AST alone): what it says may decide what the
    // patch compiles.
    std::vector<std::pair<std::string, std::string>> layouts =
        class_layouts(context, options.project_root);
    if (!options.header.empty()) {
      UnitTable* carried = header_units ? header_units->carried_table() : nullptr;
      if (!carried) {
        check(llvm::createStringError(
            llvm::inconvertibleErrorCode(),
            why_no_function_carried(options.header, original, out.skipped)));
        return;
      }
      if (!header_units->carry_problem().empty()) {
        check(
            llvm::createStringError(llvm::inconvertibleErrorCode(), header_units->carry_problem()));
        return;
      }
      // The file's own code is compiled only to share its state: nothing
      // of it is listed, so nothing of it is switched.
      for (const clang::FunctionDecl* function : header_units->carried()) patcher.keep(*function);
      edits.finish();
      carried->add_layouts(layouts);
      out.code = header_units->carried_code();
      out.functions = carried->functions();
      std::string body = edited_text(rewriter, sources.getMainFileID());
      body = header_units->include_copies(body, absolute_path(original), rewriter, out.headers);
      out.source = with_absolute_quote_includes(
          table.patch_prologue(options.patch_header, header_units->slot_definitions(&module)) +
              body + carried->manifest(options.build_id),
          original_dir);
      return;
    }
    // As the build does: a body this file's text would not let a patch
    // carry has no slot, and an edit that makes it so is refused by name.
    std::map<const clang::FunctionDecl*, std::string> without_slot = found.compiler_dependent;
    for (const clang::FunctionDecl* function : found.functions)
      if (std::optional<std::string> why = body_member_problem(*function, edits))
        without_slot.emplace(function, *why);
    LambdaSlots lambdas = lambda_slots(found, without_slot, edits, naming);
    out.code = fingerprint_file(context, naming, macro_tokens, options.project_root, layouts,
                                without_slot, lambdas);
    std::optional<std::set<std::string>> compile;
    if (options.choose_compiled) compile = options.choose_compiled(out.code);

    bool import = compile.has_value();
    // A function whose statics were bound above keeps its body.
    std::set<const clang::DeclContext*> with_statics;
    for (const clang::VarDecl* v : found.local_statics)
      for (const clang::DeclContext* c = v->getDeclContext(); c; c = c->getParent())
        with_statics.insert(c);
    // Nor is one that may run while the patch loads (its import is not
    // filled yet), or one that defines a class (its members are edited).
    FileUses uses = import ? uses_of_file(context) : FileUses{};
    std::set<const clang::Decl*> at_load = uses.run_at_load();
    std::set<const clang::Decl*> imported;
    if (import)
      for (const clang::FunctionDecl* function : found.functions) {
        const clang::Decl* canonical = function->getCanonicalDecl();
        if (!compile->count(naming.id(*function)) && !with_statics.count(function) &&
            !at_load.count(canonical) && !uses.with_local_classes.count(canonical) &&
            patcher.can_import(*function, table))
          imported.insert(canonical);
      }
    std::set<const clang::Decl*> named = uses.named_without(imported);
    std::set<const clang::FunctionDecl*> compiled;
    for (const clang::FunctionDecl* function : found.functions) {
      unsigned line = line_of(*function, sources);
      // The build gave it no slot either (its body could not be carried):
      // compiled as it is, and refused by its fingerprint if it changed.
      if (without_slot.count(function)) continue;
      if (imported.count(function->getCanonicalDecl())) {
        patcher.import_from_program(*function, table, line,
                                    named.count(function->getCanonicalDecl()) != 0);
        ++out.imported;
        continue;
      }
      // A class local to a function is a class of the patch's own, which
      // the enclosing function's new code makes objects of; code at
      // namespace scope cannot name it for an entry. Objects made before
      // the patch run the members their slots run (kLocalClassMember).
      if (is_local_class_member(*function)) {
        compiled.insert(function);
        continue;
      }
      table.add_function(*function, line);
      compiled.insert(function);
      patcher.keep(*function);
      const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(function);
      if (is_constructor_or_destructor(*function)) {
        check(patcher.carry_body(*method, table));
      } else if (method && !method->isExternallyVisible()) {
        check(patcher.befriend_thunks(*method));
        table.add_entry_thunk(*method);
      }
    }
    // A lambda of a function the patch compiles: closures made before the
    // patch run its new body through its slot.
    // One of a function it imports (unchanged) runs the build's code again.
    for (const clang::LambdaExpr* lambda : found.lambdas) {
      if (!has_slot(detail_of(lambdas, lambda))) continue;
      const clang::FunctionDecl& enclosing = enclosing_function(*lambda);
      const clang::CXXMethodDecl& call = *lambda->getCallOperator();
      if (compiled.count(&enclosing))
        patcher.carry_lambda(*lambda, table);
      else if (imported.count(enclosing.getCanonicalDecl()))
        table.add_build_code_entry(call, line_of(call, sources));
    }
    // Each instantiation's slot goes to the patch's code when its template
    // changed, for the calls of every file (an explicit instantiation's).
    table.let_names_fail_to_compile();
    for (const clang::FunctionDecl* pattern : found.templates) {
      bool changed = !compile || template_changed(*pattern, naming, *compile);
      for (const clang::FunctionDecl* instance : instances_of(*pattern))
        table.add_patched_instance(*instance, *pattern, line_of(*pattern, sources), changed);
    }
    edits.finish();
    table.add_layouts(layouts);
    table.add_code(out.code);
    out.functions = table.functions();
    if (header_units) out.header_code = header_units->code_by_header();
    std::string body = edited_text(rewriter, sources.getMainFileID());
    if (header_units)
      body = header_units->include_copies(body, absolute_path(original), rewriter, out.headers);
    out.source = with_absolute_quote_includes(
        table.patch_prologue(options.patch_header,
                             header_units ? header_units->slot_definitions(&module) : "") +
            body + table.manifest(options.build_id),
        original_dir);
  };
  llvm::Expected<InstrumentedFile::Preamble> parsed =
      parse_file(file, command, options.working_directory, options.preamble_cache, patch,
                 options.preamble_at_first_sight,
                 options.shadow_directory.empty() ? "" : options.project_root);
  if (!parsed) {
    llvm::consumeError(std::move(failure));
    return parsed.takeError();
  }
  if (failure) return failure;
  return out;
}

}  // namespace softpatch::rewriter
