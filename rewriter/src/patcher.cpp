// Patch mode: the edited file's new code, sharing the program's state.
#include "softpatch/rewriter/patcher.h"

#include <set>

#include "clang/AST/DeclCXX.h"
#include "clang/Lex/Lexer.h"
#include "clang/Rewrite/Core/Rewriter.h"
#include "llvm/Support/Path.h"

#include "fingerprints.h"
#include "layouts.h"
#include "naming.h"
#include "parse_file.h"
#include "quote_includes.h"
#include "text_edits.h"
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
    for (const clang::CXXRecordDecl* record = method.getParent(); record;
         record = llvm::dyn_cast<clang::CXXRecordDecl>(record->getDeclContext())) {
      if (!befriended_.insert(record).second) continue;
      clang::SourceLocation close = record->getBraceRange().getEnd();
      if (close.isInvalid() || !edits_.can_edit(close))
        return cannot_patch(method, sources_,
                            "cannot patch members of " + record->getQualifiedNameAsString() +
                                " (its definition is made by a macro)");
      edits_.insert_before(close, " friend struct ::__softpatch_access; ");
    }
    return llvm::Error::success();
  }

  // Inline functions are emitted only where used; the loader needs them.
  void keep(const clang::FunctionDecl& function) {
    if (function.isInlined() && edits_.can_edit(function.getLocation()))
      edits_.insert_before(function.getLocation(), "__attribute__((used)) ");
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
    auto check = [&](llvm::Error error) {
      if (error && !failure)
        failure = std::move(error);
      else
        llvm::consumeError(std::move(error));
    };
    for (const clang::VarDecl* v : found.external_variables) check(patcher.make_extern(*v));
    for (const clang::VarDecl* v : found.static_member_definitions) check(patcher.drop(*v));
    for (const clang::VarDecl* v : found.internal_variables) check(patcher.bind(*v));
    if (context.getLangOpts().CPlusPlus14)
      for (const clang::VarDecl* v :
           bind_local_statics(found.local_statics, naming, edits, context))
        check(cannot_patch(*v, sources, "cannot share the static " + v->getNameAsString()));
    for (const clang::FunctionDecl* function : found.functions) {
      table.add_function(*function, line_of(*function, sources));
      patcher.keep(*function);
      const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(function);
      if (method && !method->isExternallyVisible()) {
        check(patcher.befriend_thunks(*method));
        table.add_entry_thunk(*method);
      }
    }
    edits.finish();
    std::vector<std::pair<std::string, std::string>> layouts =
        class_layouts(context, options.project_root);
    table.add_layouts(layouts);
    out.code = fingerprint_file(context, naming, macro_tokens, options.project_root, layouts);
    table.add_code(out.code);
    out.functions = table.functions();
    const clang::RewriteBuffer* edited = rewriter.getRewriteBufferFor(sources.getMainFileID());
    std::string body = edited ? std::string(edited->begin(), edited->end())
                              : sources.getBufferData(sources.getMainFileID()).str();
    if (!body.empty() && body.back() != '\n') body += '\n';
    out.source = with_absolute_quote_includes(
        table.patch_prologue(options.patch_header) + body + table.manifest(options.build_id),
        original_dir);
  };
  llvm::Expected<InstrumentedFile::Preamble> parsed =
      parse_file(file, command, options.working_directory, options.preamble_cache, patch);
  if (!parsed) {
    llvm::consumeError(std::move(failure));
    return parsed.takeError();
  }
  if (failure) return failure;
  return out;
}

}  // namespace softpatch::rewriter
