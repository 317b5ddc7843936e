// softpatch-rewrite: prints the instrumented version of a C++ file, or with
// --explain lists which functions get a trampoline and why others do not.
//
//   softpatch-rewrite src/store.cpp -- -std=c++17 -Iinclude
//   softpatch-rewrite -p build --explain src/store.cpp
#include <cstdio>

#include "clang/Tooling/CommonOptionsParser.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include "softpatch/rewriter/instrumenter.h"
#include "softpatch/rewriter/preamble_cache.h"

namespace cl = llvm::cl;

static cl::OptionCategory category("softpatch-rewrite options");
static cl::opt<bool> explain("explain",
                             cl::desc("List the functions and why each is or is not "
                                      "instrumented, instead of printing the file"),
                             cl::cat(category));
static cl::opt<std::string> root("root", cl::desc("Project root (default: current directory)"),
                                 cl::value_desc("dir"), cl::cat(category));
static cl::opt<std::string> output("o", cl::desc("Write the instrumented file here"),
                                   cl::value_desc("file"), cl::cat(category));

static int explain_file(const std::string& file,
                        const softpatch::rewriter::InstrumentedFile& result) {
  if (!result.opted_out.empty()) {
    llvm::outs() << file << ": not instrumented: " << result.opted_out << "\n";
    return 0;
  }
  // Definitions are counted; a template's instantiations are listed under it.
  size_t instrumented = 0, skipped = 0;
  for (const auto& f : result.functions) {
    llvm::outs() << (f.file.empty() ? file : f.file) << ":" << f.line << ": " << f.name
                 << (f.instantiation ? ": instrumented (an instantiation)\n" : ": instrumented\n");
    instrumented += !f.instantiation;
  }
  for (const auto& f : result.skipped) {
    llvm::outs() << (f.file.empty() ? file : f.file) << ":" << f.line << ": " << f.name
                 << ": not instrumented: " << f.reason << "\n";
    skipped += !f.instantiation;
  }
  llvm::outs() << file << ": " << instrumented << " instrumented, " << skipped << " not, "
               << result.variables << " internal variables recorded\n";
  return 0;
}

int main(int argc, const char** argv) {
  auto parser = clang::tooling::CommonOptionsParser::create(argc, argv, category, cl::Required);
  if (!parser) {
    llvm::errs() << "softpatch-rewrite: " << llvm::toString(parser.takeError()) << "\n";
    return 2;
  }
  softpatch::rewriter::InstrumentOptions options;
  llvm::SmallString<256> cwd;
  llvm::sys::fs::current_path(cwd);
  options.project_root = root.empty() ? std::string(cwd) : root.getValue();
  options.runtime_header = SOFTPATCH_RUNTIME_HEADER;
  options.preamble_cache = softpatch::rewriter::PreambleCache::default_directory();

  int status = 0;
  for (const std::string& given : parser->getSourcePathList()) {
    // Compile commands name their files absolutely; a relative one would
    // be looked up again from the command's directory.
    llvm::SmallString<256> absolute(given);
    llvm::sys::fs::make_absolute(absolute);
    std::string file = absolute.str().str();
    std::vector<clang::tooling::CompileCommand> commands =
        parser->getCompilations().getCompileCommands(file);
    if (commands.empty()) {
      llvm::errs() << "softpatch-rewrite: " << file << ": no compile command\n";
      status = 1;
      continue;
    }
    // The project's headers are instrumented into copies beside the output;
    // --explain lists their functions (and writes nothing); a file printed
    // to stdout is instrumented alone.
    if (!output.empty())
      options.shadow_directory = output + ".headers";
    else if (explain)
      options.shadow_directory = "<not written>";
    auto result = softpatch::rewriter::instrument_file(file, commands.front().CommandLine, options);
    if (!result) {
      llvm::errs() << "softpatch-rewrite: " << file << ": " << llvm::toString(result.takeError())
                   << "\n";
      status = 1;
      continue;
    }
    if (explain) {
      explain_file(file, *result);
      continue;
    }
    if (output.empty()) {
      llvm::outs() << result->source;
      continue;
    }
    std::error_code error;
    llvm::raw_fd_ostream out(output, error);
    if (error) {
      llvm::errs() << "softpatch-rewrite: " << output.getValue() << ": " << error.message() << "\n";
      return 1;
    }
    out << result->source;
    for (const softpatch::rewriter::ShadowHeader& header : result->headers) {
      llvm::sys::fs::create_directories(options.shadow_directory);
      llvm::raw_fd_ostream shadow(header.path, error);
      if (error) {
        llvm::errs() << "softpatch-rewrite: " << header.path << ": " << error.message() << "\n";
        return 1;
      }
      shadow << header.text;
    }
  }
  return status;
}
