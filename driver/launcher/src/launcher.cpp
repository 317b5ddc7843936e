#include "softpatch/launcher/launcher.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "llvm/Support/CrashRecoveryContext.h"
#include "softpatch/common/subprocess.h"
#include "softpatch/compile/compile_job.h"
#include "softpatch/rewriter/instrumenter.h"
#include "softpatch/rewriter/parse_command.h"

namespace softpatch::driver {
namespace fs = std::filesystem;
namespace {

int pass_through(const std::vector<std::string>& command) {
  ProcessResult result = run_process(command, Stderr::kInherit);
  if (!result.error_text.empty())  // could not even start it
    std::fprintf(stderr, "softpatch-cc: %s\n", result.error_text.c_str());
  return result.status;
}

void warn(const std::string& file, const std::string& message) {
  std::fprintf(stderr, "softpatch-cc: warning: %s: %s\n", file.c_str(), message.c_str());
}

// Depfiles escape spaces, '#' and '$' in paths (the Make syntax gcc writes).
std::string depfile_escape(const std::string& path) {
  std::string out;
  for (char c : path) {
    if (c == ' ' || c == '#') out += '\\';
    if (c == '$') out += '$';
    out += c;
  }
  return out;
}

// Compiles the original when the instrumented copy fails: if the original
// fails too the user sees exactly the compiler's errors for their file;
// otherwise the instrumentation is at fault and says so once.
int compile_original_after(const CompileJob& job, const std::string& reason) {
  int status = pass_through(job.command);
  if (status == 0) warn(job.source(), "not instrumented: " + reason);
  return status;
}

// Replaces every `from` in `text` by `to`.
void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

}  // namespace

bool rename_in_depfile(const std::string& depfile,
                       const std::vector<std::pair<std::string, std::string>>& copies) {
  std::ifstream in(depfile);
  if (!in) return false;
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  for (const auto& [copy, original] : copies)
    replace_all(text, depfile_escape(copy), depfile_escape(original));
  std::ofstream out(depfile, std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

namespace {

// Instruments in a crash-recovery context: should Clang crash on a file the
// compiler accepts, the build goes on with the original.
llvm::Expected<rewriter::InstrumentedFile> instrument_safely(const CompileJob& job,
                                                             const LauncherOptions& options,
                                                             bool with_headers) {
  // The headers' copies go beside the object, in a directory of its own:
  // no other compile writes there, so none reads a copy half written.
  rewriter::InstrumentOptions instrument_options{
      options.project_root, options.runtime_header, options.preamble_cache,
      with_headers ? fs::absolute(job.header_copies()).string() : ""};
  llvm::Optional<llvm::Expected<rewriter::InstrumentedFile>> result;
  llvm::CrashRecoveryContext::Enable();
  llvm::CrashRecoveryContext context;
  if (!context.RunSafely([&] {
        result.emplace(rewriter::instrument_file(job.source(), job.command, instrument_options));
      }))
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "the rewriter crashed");
  return std::move(*result);
}

// Removes the copies beside the object of headers the file no longer
// copies: a header's patch looks there for the files that include it. The
// others stay as they are (a precompiled preamble names them).
void remove_other_copies(const CompileJob& job,
                         const std::vector<rewriter::ShadowHeader>& headers) {
  std::error_code error;
  if (headers.empty()) {
    fs::remove_all(job.header_copies(), error);
    return;
  }
  std::set<fs::path> kept;
  for (const rewriter::ShadowHeader& header : headers) kept.insert(fs::absolute(header.path));
  for (fs::directory_iterator it(job.header_copies(), error), end; !error && it != end;
       it.increment(error))
    if (std::error_code ignored; !kept.count(fs::absolute(it->path())))
      fs::remove_all(it->path(), ignored);
}

// Writes the instrumented copy (and its headers' copies) and compiles it;
// a copy of no header leaves none beside the object, where a header's patch
// would look for the files that include it instrumented.
ProcessResult compile_copy(const CompileJob& job, const rewriter::InstrumentedFile& instrumented,
                           const std::string& copy) {
  remove_other_copies(job, instrumented.headers);
  std::ofstream out(copy, std::ios::trunc);
  out << instrumented.source;
  out.close();
  if (!out) return {1, "cannot write " + copy};
  if (llvm::Error error = rewriter::write_header_copies(instrumented.headers))
    return {1, llvm::toString(std::move(error))};
  ProcessResult compiled = run_process(job.compiling(copy), Stderr::kCapture);
  if (compiled.status != 0)
    compiled.error_text = "instrumented copy " + copy +
                          " did not compile (a softpatch bug, please report it): " +
                          rewriter::first_error_line(compiled.error_text);
  return compiled;
}

}  // namespace

int launch(const std::vector<std::string>& compiler_command, const LauncherOptions& options) {
  std::optional<CompileJob> job = CompileJob::from_command(compiler_command);
  if (!job) return pass_through(compiler_command);
  llvm::Expected<rewriter::InstrumentedFile> instrumented =
      instrument_safely(*job, options, /*with_headers=*/true);
  if (!instrumented) return compile_original_after(*job, llvm::toString(instrumented.takeError()));
  if (!instrumented->opted_out.empty()) {
    if (options.verbose) warn(job->source(), instrumented->opted_out);
    return pass_through(job->command);
  }
  if (instrumented->functions.empty() && instrumented->variables == 0)
    return pass_through(job->command);

  // The copy lives next to the object file: out of the user's tree, and
  // there to look at when something needs explaining.
  std::string copy = fs::absolute(job->object + ".softpatch.cpp").string();
  ProcessResult compiled = compile_copy(*job, *instrumented, copy);
  // The last defence against a bug of the headers' instrumentation: the
  // file's own functions keep theirs, and the warning says what was lost.
  if (compiled.status != 0 && !instrumented->headers.empty()) {
    std::string failure = compiled.error_text;
    llvm::Expected<rewriter::InstrumentedFile> alone =
        instrument_safely(*job, options, /*with_headers=*/false);
    if (alone && (!alone->functions.empty() || alone->variables != 0)) {
      compiled = compile_copy(*job, *alone, copy);
      if (compiled.status == 0) {
        warn(job->source(),
             "its headers' functions are not instrumented for this file: " + failure);
        instrumented = std::move(alone);
      }
    } else if (!alone) {
      llvm::consumeError(alone.takeError());
    }
    if (compiled.status != 0) compiled.error_text = failure;
  }
  if (compiled.status != 0) {
    std::error_code ignored;
    fs::remove_all(job->header_copies(), ignored);
    return compile_original_after(*job, compiled.error_text);
  }
  std::fputs(compiled.error_text.c_str(), stderr);
  std::vector<std::pair<std::string, std::string>> copies{{copy, job->source()}};
  for (const rewriter::ShadowHeader& header : instrumented->headers)
    copies.emplace_back(header.path, header.original);
  if (!job->depfile.empty() && !rename_in_depfile(job->depfile, copies))
    warn(job->source(), "cannot rewrite dependency file " + job->depfile);
  if (options.verbose)
    std::fprintf(stderr, "softpatch-cc: %s: %zu functions instrumented\n", job->source().c_str(),
                 instrumented->functions.size());
  return 0;
}

}  // namespace softpatch::driver
