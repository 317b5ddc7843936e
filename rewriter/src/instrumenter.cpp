// Instrument mode: parse the file with Clang, collect the function
// definitions and variables of the main file, and edit a copy of its text.
#include "softpatch/rewriter/instrumenter.h"

#include <cstdlib>

#include "clang/AST/ASTConsumer.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/AST/StmtCXX.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendAction.h"
#include "clang/Frontend/TextDiagnosticPrinter.h"
#include "clang/Rewrite/Core/Rewriter.h"
#include "clang/Tooling/Tooling.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include "eligibility.h"
#include "macro_tokens.h"
#include "naming.h"
#include "softpatch/rewriter/parse_command.h"
#include "softpatch/rewriter/preamble_cache.h"
#include "text_edits.h"
#include "trampoline.h"
#include "unit_table.h"

namespace softpatch::rewriter {
namespace {

// What the parse found in the main file, in source order.
struct Findings {
  std::vector<const clang::FunctionDecl*> functions;  // to instrument
  std::vector<SkippedFunction> skipped;
  std::vector<const clang::VarDecl*> variables;  // mutable, internal linkage
};

bool in_main_file(const clang::Decl& decl, const clang::SourceManager& sources) {
  return sources.isInMainFile(sources.getExpansionLoc(decl.getLocation()));
}

unsigned line_of(const clang::Decl& decl, const clang::SourceManager& sources) {
  return sources.getExpansionLineNumber(decl.getLocation());
}

// A variable a patch must bind to rather than copy: file `static` or in an
// anonymous namespace, defined here, and writable.
bool is_recorded_variable(const clang::VarDecl& variable) {
  return variable.isFileVarDecl() && !variable.isExternallyVisible() &&
         variable.isThisDeclarationADefinition() == clang::VarDecl::Definition &&
         !variable.isConstexpr() && !variable.getType().isConstQualified() &&
         !variable.getDescribedVarTemplate() &&
         !llvm::isa<clang::VarTemplateSpecializationDecl>(variable) &&
         !variable.getType()->isDependentType();
}

class Collector : public clang::RecursiveASTVisitor<Collector> {
 public:
  Collector(const clang::SourceManager& sources, Findings& findings)
      : sources_(sources), findings_(findings) {}

  bool VisitFunctionDecl(clang::FunctionDecl* function) {
    if (!in_main_file(*function, sources_)) return true;
    Eligibility verdict = eligibility(*function, sources_);
    if (verdict.eligible())
      findings_.functions.push_back(function);
    else if (verdict.listed)
      findings_.skipped.push_back(
          {function->getQualifiedNameAsString(), line_of(*function, sources_), *verdict.reason});
    return true;
  }

  bool VisitLambdaExpr(clang::LambdaExpr* lambda) {
    clang::CXXMethodDecl* call = lambda->getCallOperator();
    if (in_main_file(*call, sources_))
      findings_.skipped.push_back(
          {"lambda", line_of(*call, sources_), "lambda (part of its enclosing function)"});
    return true;
  }

  bool VisitVarDecl(clang::VarDecl* variable) {
    if (in_main_file(*variable, sources_) && is_recorded_variable(*variable))
      findings_.variables.push_back(variable);
    return true;
  }

 private:
  const clang::SourceManager& sources_;
  Findings& findings_;
};

// Where the rewriter edits one function: after the body's `{` (or around a
// function-try-block) and at each unnamed parameter.
struct EditPoints {
  clang::SourceLocation body_start;  // the `{`, or the `try` of a function-try-block
  clang::SourceLocation body_end;    // the last `}` of a function-try-block, else invalid
  std::vector<clang::SourceLocation> unnamed_parameters;

  explicit EditPoints(const clang::FunctionDecl& function) {
    const clang::Stmt* body = function.getBody();
    if (const auto* try_block = llvm::dyn_cast<clang::CXXTryStmt>(body)) {
      body_start = try_block->getTryLoc();
      body_end = try_block->getEndLoc();
    } else {
      body_start = llvm::cast<clang::CompoundStmt>(body)->getLBracLoc();
    }
    for (const clang::ParmVarDecl* param : function.parameters())
      if (param->getName().empty()) unnamed_parameters.push_back(param->getLocation());
  }

  bool all_editable(const TextEdits& edits) const {
    if (!edits.can_edit(body_start)) return false;
    if (body_end.isValid() && !edits.can_edit(body_end)) return false;
    return std::all_of(unnamed_parameters.begin(), unnamed_parameters.end(),
                       [&](clang::SourceLocation l) { return edits.can_edit(l); });
  }
};

// Edits the main file's text: names unnamed parameters and inserts
// trampolines; the unit table collects what the epilogue registers.
class Editor {
 public:
  Editor(const Naming& naming, TextEdits& edits, UnitTable& table)
      : naming_(naming), edits_(edits), table_(table) {}

  // False when some place to edit cannot be reached; nothing is edited then.
  bool instrument(const clang::FunctionDecl& function, unsigned line) {
    EditPoints points(function);
    if (!points.all_editable(edits_)) return false;
    unsigned index = table_.slot_count();
    table_.add_function(function, line);
    std::string text = trampoline(function, index, name_parameters(function), naming_);
    if (points.body_end.isValid()) {
      // A function-try-block becomes a try block inside a plain body, so the
      // trampoline runs first and a replacement's exceptions are not caught.
      edits_.insert_before(points.body_start, "{" + text + " ");
      edits_.insert_after(points.body_end, " }");
    } else {
      edits_.insert_after(points.body_start, text);
    }
    return true;
  }

 private:
  std::vector<std::string> name_parameters(const clang::FunctionDecl& function) {
    std::vector<std::string> names;
    for (unsigned i = 0; i < function.getNumParams(); ++i) {
      const clang::ParmVarDecl* param = function.getParamDecl(i);
      if (!param->getName().empty()) {
        names.push_back(param->getNameAsString());
        continue;
      }
      names.push_back(parameter_name(i));
      edits_.insert_before(param->getLocation(), " " + names.back() + " ");
    }
    return names;
  }

  const Naming& naming_;
  TextEdits& edits_;
  UnitTable& table_;
};

std::string project_relative(llvm::StringRef file, llvm::StringRef root) {
  llvm::SmallString<256> real_file, real_root;
  if (llvm::sys::fs::real_path(file, real_file) || llvm::sys::fs::real_path(root, real_root))
    return file.str();
  llvm::StringRef relative = real_file;
  if (relative.consume_front(real_root) && relative.consume_front("/")) return relative.str();
  return real_file.str().str();
}

class InstrumentConsumer : public clang::ASTConsumer {
 public:
  InstrumentConsumer(clang::CompilerInstance& compiler, std::string file,
                     const InstrumentOptions& options, InstrumentedFile& out, bool& completed)
      : compiler_(compiler),
        file_(std::move(file)),
        options_(options),
        out_(out),
        completed_(completed) {}

  // Bodies of functions outside the main file are never looked at: skipping
  // them keeps parsing well below the cost of compiling the file.
  bool shouldSkipFunctionBody(clang::Decl* decl) override {
    return !compiler_.getSourceManager().isInMainFile(
        compiler_.getSourceManager().getExpansionLoc(decl->getLocation()));
  }

  bool HandleTopLevelDecl(clang::DeclGroupRef group) override {
    for (clang::Decl* decl : group)
      if (in_main_file(*decl, compiler_.getSourceManager())) top_level_.push_back(decl);
    return true;
  }

  void HandleTranslationUnit(clang::ASTContext& context) override {
    if (context.getDiagnostics().hasErrorOccurred()) return;
    clang::SourceManager& sources = context.getSourceManager();
    Findings findings;
    Collector collector(sources, findings);
    for (clang::Decl* decl : top_level_) collector.TraverseDecl(decl);

    Naming naming(context, project_relative(file_, options_.project_root));
    UnitTable table(naming, file_, project_relative(file_, options_.project_root));
    clang::Rewriter rewriter(sources, context.getLangOpts());
    TextEdits edits(rewriter, macro_tokens_);
    Editor editor(naming, edits, table);
    for (const clang::FunctionDecl* function : findings.functions) {
      if (!editor.instrument(*function, line_of(*function, sources)))
        findings.skipped.push_back({function->getQualifiedNameAsString(),
                                    line_of(*function, sources),
                                    "produced by a macro in a way that cannot be rewritten"});
    }
    edits.finish();
    for (const clang::VarDecl* variable : findings.variables) table.add_variable(*variable);

    completed_ = true;
    clang::FileID main = sources.getMainFileID();
    llvm::StringRef original = sources.getBufferData(main);
    out_.skipped = std::move(findings.skipped);
    out_.functions = table.functions();
    out_.variables = table.variable_count();
    if (table.empty()) {
      out_.source = original.str();
      return;
    }
    const clang::RewriteBuffer* edited = rewriter.getRewriteBufferFor(main);
    std::string body = edited ? std::string(edited->begin(), edited->end()) : original.str();
    if (!body.empty() && body.back() != '\n') body += '\n';
    out_.source = table.prologue(options_.runtime_header) + body + table.epilogue();
  }

 private:
  clang::CompilerInstance& compiler_;
  std::string file_;
  const InstrumentOptions& options_;
  InstrumentedFile& out_;
  std::vector<clang::Decl*> top_level_;
  bool& completed_;

 public:
  MacroTokens macro_tokens_;
};

class InstrumentAction : public clang::ASTFrontendAction {
 public:
  InstrumentAction(std::string file, const InstrumentOptions& options, InstrumentedFile& out,
                   bool& completed)
      : file_(std::move(file)), options_(options), out_(out), completed_(completed) {}

  std::unique_ptr<clang::ASTConsumer> CreateASTConsumer(clang::CompilerInstance& compiler,
                                                        llvm::StringRef) override {
    compiler.getFrontendOpts().SkipFunctionBodies = true;
    auto consumer =
        std::make_unique<InstrumentConsumer>(compiler, file_, options_, out_, completed_);
    consumer->macro_tokens_.attach(compiler.getPreprocessor());
    return consumer;
  }

 private:
  std::string file_;
  const InstrumentOptions& options_;
  InstrumentedFile& out_;
  bool& completed_;
};

// SOFTPATCH_CACHE_LIMIT_MB, default 2 GiB.
unsigned long long preamble_cache_limit() {
  const char* limit = std::getenv("SOFTPATCH_CACHE_LIMIT_MB");
  unsigned long long mb = limit ? std::strtoull(limit, nullptr, 10) : 2048;
  return mb << 20;
}

// The first error Clang reported, as one line.
std::string first_error(llvm::StringRef diagnostics) {
  llvm::SmallVector<llvm::StringRef, 16> lines;
  diagnostics.split(lines, '\n');
  llvm::StringRef first = lines.front();
  for (llvm::StringRef line : lines)
    if (line.contains("error:")) {
      first = line;
      break;
    }
  if (first.empty()) return "could not parse";
  return first.size() > 300 ? first.take_front(300).str() + "..." : first.str();
}

// One parse of `file` with `command`; the error is Clang's first.
llvm::Expected<InstrumentedFile> parse_and_instrument(llvm::StringRef file,
                                                      const std::vector<std::string>& command,
                                                      const InstrumentOptions& options) {
  InstrumentedFile out;
  bool completed = false;
  llvm::IntrusiveRefCntPtr<clang::FileManager> files(
      new clang::FileManager(clang::FileSystemOptions()));
  std::string diagnostics;
  llvm::raw_string_ostream diagnostics_stream(diagnostics);
  llvm::IntrusiveRefCntPtr<clang::DiagnosticOptions> diagnostic_options(
      new clang::DiagnosticOptions());
  clang::TextDiagnosticPrinter printer(diagnostics_stream, diagnostic_options.get());

  clang::tooling::ToolInvocation invocation(
      command, std::make_unique<InstrumentAction>(file.str(), options, out, completed),
      files.get());
  invocation.setDiagnosticConsumer(&printer);
  bool parsed = invocation.run();
  diagnostics_stream.flush();
  if (!parsed || !completed)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), first_error(diagnostics));
  return out;
}

}  // namespace

llvm::Expected<InstrumentedFile> instrument_file(llvm::StringRef file,
                                                 llvm::ArrayRef<std::string> compiler_command,
                                                 const InstrumentOptions& options) {
  std::vector<std::string> command = parse_command(compiler_command, file);
  command.insert(command.begin() + 1, "-resource-dir=" SOFTPATCH_CLANG_RESOURCE_DIR);

  PreambleCache cache(options.preamble_cache, preamble_cache_limit());
  if (std::optional<PreambleCache::Entry> entry = cache.lookup(file, command)) {
    llvm::Expected<InstrumentedFile> out =
        parse_and_instrument(file, with_preamble(command, entry->pch), options);
    if (out) {
      out->preamble = entry->built_now ? InstrumentedFile::Preamble::kBuilt
                                       : InstrumentedFile::Preamble::kReused;
      return out;
    }
    // Stale (a header changed) or unusable here: parse the plain way.
    llvm::consumeError(out.takeError());
    cache.discard(*entry);
  }
  return parse_and_instrument(file, command, options);
}

}  // namespace softpatch::rewriter
