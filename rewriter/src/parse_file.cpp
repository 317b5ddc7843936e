#include "parse_file.h"

#include <cstdlib>

#include "clang/AST/ASTConsumer.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendAction.h"
#include "clang/Frontend/TextDiagnosticPrinter.h"
#include "clang/Lex/HeaderSearch.h"
#include "clang/Lex/Preprocessor.h"
#include "clang/Tooling/Tooling.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/FileSystem.h"

#include "compiler_conditions.h"
#include "eligibility.h"
#include "parsed_bodies.h"
#include "softpatch/cache/caches.h"
#include "softpatch/rewriter/parse_command.h"
#include "softpatch/rewriter/preamble_cache.h"

namespace softpatch::rewriter {
namespace {

// Where `#include "..."` and `#include <...>` look, in order, after the
// including file's own directory for the first.
IncludeSearch search_directories(const clang::HeaderSearch& search) {
  IncludeSearch out;
  for (auto it = search.search_dir_begin(); it != search.search_dir_end(); ++it) {
    const clang::DirectoryEntry* directory = it->getDir();
    if (!directory) continue;  // a framework or header map: not searched by name here
    // A relative -I names a directory of the compile's working directory.
    (it < search.angled_dir_begin() ? out.quoted : out.angled)
        .push_back(search.getFileMgr().getCanonicalName(directory).str());
  }
  return out;
}

// The declarations `argument` names (a pack's, a class template's
// arguments' too), appended to `places`.
void add_argument_places(const clang::TemplateArgument& argument,
                         std::vector<clang::SourceLocation>& places, int depth) {
  if (depth > 4) return;
  if (argument.getKind() == clang::TemplateArgument::Pack) {
    for (const clang::TemplateArgument& element : argument.pack_elements())
      add_argument_places(element, places, depth + 1);
    return;
  }
  if (argument.getKind() != clang::TemplateArgument::Type) return;
  const clang::Type* type = argument.getAsType()->getUnqualifiedDesugaredType();
  for (;;) {
    if (type->isPointerType() || type->isReferenceType())
      type = type->getPointeeType()->getUnqualifiedDesugaredType();
    else if (type->isArrayType())
      type = type->getArrayElementTypeNoTypeQual()->getUnqualifiedDesugaredType();
    else
      break;
  }
  const clang::TagDecl* tag = type->getAsTagDecl();
  if (!tag) return;
  places.push_back(tag->getLocation());
  if (const auto* specialization = llvm::dyn_cast<clang::ClassTemplateSpecializationDecl>(tag))
    for (const clang::TemplateArgument& inner : specialization->getTemplateArgs().asArray())
      add_argument_places(inner, places, depth + 1);
}

// Where an instantiation comes from besides its template: the code that
// made it, and the declarations its arguments name. A parse that sees one
// of these the compiler does not would register an instantiation it never
// compiles.
std::vector<clang::SourceLocation> instantiation_places(const clang::FunctionDecl& function) {
  std::vector<clang::SourceLocation> places;
  if (!function.isTemplateInstantiation()) return places;
  places.push_back(function.getPointOfInstantiation());
  if (const clang::TemplateArgumentList* arguments = function.getTemplateSpecializationArgs())
    for (const clang::TemplateArgument& argument : arguments->asArray())
      add_argument_places(argument, places, 0);
  if (const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(&function))
    if (const auto* owner =
            llvm::dyn_cast<clang::ClassTemplateSpecializationDecl>(method->getParent())) {
      places.push_back(owner->getPointOfInstantiation());
      for (const clang::TemplateArgument& argument : owner->getTemplateArgs().asArray())
        add_argument_places(argument, places, 0);
    }
  return places;
}

// Takes out of `found.functions` those whose #if the compiler may decide
// otherwise than this parse did, and gives the test for the headers' and
// for instantiations.
void set_aside_compiler_dependent(Findings& found, const CompilerConditions& conditions) {
  found.compiler_dependence =
      [&conditions](const clang::FunctionDecl& function) -> std::optional<std::string> {
    std::optional<std::string> name = conditions.dependence(function.getLocation());
    for (clang::SourceLocation place : instantiation_places(function))
      if (!name && place.isValid()) name = conditions.dependence(place);
    if (!name) return std::nullopt;
    return "in an #if that the compiler may decide otherwise than the rewriter's Clang (it "
           "tests " +
           *name + ")";
  };
  std::vector<const clang::FunctionDecl*> kept;
  for (const clang::FunctionDecl* function : found.functions) {
    std::optional<std::string> why = found.compiler_dependence(*function);
    if (!why) {
      kept.push_back(function);
      continue;
    }
    const clang::SourceManager& sources = function->getASTContext().getSourceManager();
    found.skipped.push_back(skipped_function(*function, line_of(*function, sources), *why));
    found.compiler_dependent.emplace(function, "function " + *why);
  }
  found.functions = std::move(kept);
}

class Consumer : public clang::ASTConsumer {
 public:
  Consumer(clang::CompilerInstance& compiler, const ParsedHandler& handler, bool& completed,
           const std::string& bodies_under, const std::string& compiler_predefines)
      : compiler_(compiler),
        handler_(handler),
        completed_(completed),
        bodies_(compiler.getSourceManager(), bodies_under),
        compiler_predefines_(compiler_predefines) {
    macro_tokens_.attach(compiler.getPreprocessor());
  }

  bool shouldSkipFunctionBody(clang::Decl* decl) override { return !bodies_.parsed(*decl); }

  bool HandleTopLevelDecl(clang::DeclGroupRef group) override {
    for (clang::Decl* decl : group)
      if (in_main_file(*decl, sources())) top_level_.push_back(decl);
    return true;
  }

  void HandleTranslationUnit(clang::ASTContext& context) override {
    if (context.getDiagnostics().hasErrorOccurred()) return;
    Findings found = collect(top_level_, sources());
    found.search = search_directories(compiler_.getPreprocessor().getHeaderSearchInfo());
    CompilerConditions conditions(compiler_.getPreprocessor(), compiler_predefines_);
    found.compiler_is_gcc = compiler_predefines_.empty() ||
                            compiler_predefines_.find("#define __clang__ ") == std::string::npos;
    set_aside_compiler_dependent(found, conditions);
    handler_(context, found, macro_tokens_);
    found.compiler_dependence = nullptr;  // it refers to `conditions`
    completed_ = true;
  }

 private:
  const clang::SourceManager& sources() const { return compiler_.getSourceManager(); }

  clang::CompilerInstance& compiler_;
  const ParsedHandler& handler_;
  bool& completed_;
  std::vector<clang::Decl*> top_level_;
  MacroTokens macro_tokens_;
  ParsedBodies bodies_;
  const std::string& compiler_predefines_;
};

class Action : public clang::ASTFrontendAction {
 public:
  Action(const ParsedHandler& handler, bool& completed, const std::string& bodies_under,
         const std::string& compiler_predefines)
      : handler_(handler),
        completed_(completed),
        bodies_under_(bodies_under),
        compiler_predefines_(compiler_predefines) {}

  std::unique_ptr<clang::ASTConsumer> CreateASTConsumer(clang::CompilerInstance& compiler,
                                                        llvm::StringRef) override {
    compiler.getFrontendOpts().SkipFunctionBodies = true;
    return std::make_unique<Consumer>(compiler, handler_, completed_, bodies_under_,
                                      compiler_predefines_);
  }

 private:
  const ParsedHandler& handler_;
  bool& completed_;
  std::string bodies_under_;
  const std::string& compiler_predefines_;
};

// One parse of `file` with `command`.
llvm::Error parse_once(const std::vector<std::string>& command, const std::string& directory,
                       const ParsedHandler& handler, const std::string& bodies_under,
                       const std::string& compiler_predefines) {
  bool completed = false;
  llvm::IntrusiveRefCntPtr<clang::FileManager> files = file_manager_in(directory);
  std::string diagnostics;
  llvm::raw_string_ostream diagnostics_stream(diagnostics);
  llvm::IntrusiveRefCntPtr<clang::DiagnosticOptions> diagnostic_options(
      new clang::DiagnosticOptions());
  clang::TextDiagnosticPrinter printer(diagnostics_stream, diagnostic_options.get());

  clang::tooling::ToolInvocation invocation(
      command, std::make_unique<Action>(handler, completed, bodies_under, compiler_predefines),
      files.get());
  invocation.setDiagnosticConsumer(&printer);
  bool parsed = invocation.run();
  diagnostics_stream.flush();
  if (!parsed || !completed)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), first_error_line(diagnostics));
  return llvm::Error::success();
}

// All of softpatch's caches together (SOFTPATCH_CACHE_LIMIT_MB, 1 GiB).
unsigned long long preamble_cache_limit() { return cache::total_limit_bytes(); }

}  // namespace

llvm::Expected<InstrumentedFile::Preamble> parse_file(
    llvm::StringRef file, llvm::ArrayRef<std::string> compiler_command,
    const std::string& working_directory, const std::string& preamble_cache,
    const ParsedHandler& handler, bool preamble_at_first_sight, const std::string& bodies_under) {
  std::string root = bodies_under.empty() ? "" : real_or_absolute_path(bodies_under);
  std::vector<std::string> command = parse_command(compiler_command, file);
  command.insert(command.begin() + 1, "-resource-dir=" SOFTPATCH_CLANG_RESOURCE_DIR);
  // What the file's #ifs test may have other values for the compiler.
  std::string predefines = compiler_predefines(compiler_command);

  PreambleCache cache(preamble_cache, preamble_cache_limit(), working_directory,
                      preamble_at_first_sight, root);
  std::optional<PreambleCache::Entry> failed;
  if (std::optional<PreambleCache::Entry> entry = cache.lookup(file, command)) {
    llvm::Error error = parse_once(with_preamble(command, entry->pch), working_directory, handler,
                                   root, predefines);
    if (!error)
      return entry->built_now ? InstrumentedFile::Preamble::kBuilt
                              : InstrumentedFile::Preamble::kReused;
    // Stale (a header changed) or unusable here: parse the plain way.
    llvm::consumeError(std::move(error));
    failed = entry;
  }
  if (llvm::Error error = parse_once(command, working_directory, handler, root, predefines))
    return error;  // the file's own error (an edit half made): the entry is not to blame
  // Other files may share the entry: it goes only when the file parses
  // without it.
  if (failed) cache.discard(*failed);
  return InstrumentedFile::Preamble::kParsed;
}

llvm::IntrusiveRefCntPtr<clang::FileManager> file_manager_in(const std::string& working_directory) {
  clang::FileSystemOptions options;
  if (working_directory.empty()) return new clang::FileManager(options);
  options.WorkingDir = working_directory;
  // Its own physical file system: setting the working directory of the
  // shared real one would change the whole process's.
  std::unique_ptr<llvm::vfs::FileSystem> own = llvm::vfs::createPhysicalFileSystem();
  (void)own->setCurrentWorkingDirectory(working_directory);
  return new clang::FileManager(options,
                                llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem>(own.release()));
}

std::string absolute_path(llvm::StringRef file) {
  llvm::SmallString<256> path(file);
  llvm::sys::fs::make_absolute(path);
  return path.str().str();
}

std::string real_path_of(const clang::SourceManager& sources, clang::FileID file) {
  const clang::FileEntry* entry = sources.getFileEntryForID(file);
  return entry ? sources.getFileManager().getCanonicalName(entry).str() : "";
}

std::string real_or_absolute_path(llvm::StringRef file) {
  llvm::SmallString<256> real;
  if (llvm::sys::fs::real_path(file, real)) return absolute_path(file);
  return real.str().str();
}

std::string project_relative(llvm::StringRef file, llvm::StringRef root) {
  std::string real_file = real_or_absolute_path(file), real_root = real_or_absolute_path(root);
  llvm::StringRef relative = real_file;
  if (relative.consume_front(real_root) && relative.consume_front("/")) return relative.str();
  return real_file;
}

}  // namespace softpatch::rewriter
