#include "softpatch/driver/launcher.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "softpatch/driver/compile_job.h"
#include "softpatch/driver/subprocess.h"
#include "softpatch/rewriter/instrumenter.h"

namespace softpatch::driver {
namespace fs = std::filesystem;
namespace {

int pass_through(const std::vector<std::string>& command) {
  return run_process(command, Stderr::kInherit).status;
}

void warn(const std::string& file, const std::string& message) {
  std::fprintf(stderr, "softpatch-cc: warning: %s: %s\n", file.c_str(), message.c_str());
}

std::string first_line(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (line.find("error") != std::string::npos) return line;
  return text.substr(0, text.find('\n'));
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

bool is_below(const fs::path& file, const fs::path& root) {
  auto [root_end, _] = std::mismatch(root.begin(), root.end(), file.begin(), file.end());
  return root_end == root.end();
}

// Why `source` is not to be instrumented at all, or empty.
std::string opted_out(const fs::path& source, const fs::path& root) {
  if (!is_below(source, root)) return "outside the project root";
  for (fs::path dir = source.parent_path(); is_below(dir, root) && dir != dir.parent_path();
       dir = dir.parent_path()) {
    std::error_code error;
    if (fs::exists(dir / kSkipDirectoryFile, error))
      return "opted out by " + (dir / kSkipDirectoryFile).string();
    if (dir == root) break;
  }
  std::ifstream in(source);
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().find("softpatch: skip-file") != std::string::npos) return "opted out (skip-file)";
  return "";
}

// The language standard `compiler` uses when the command names none, as a
// -std= option for Clang's parse: g++ 12 defaults to C++17, clang++ 14 to 14.
std::string default_standard(const std::string& compiler) {
  std::string probe = "'" + compiler + "' -x c++ -dM -E /dev/null 2>/dev/null";
  std::FILE* pipe = popen(probe.c_str(), "r");
  if (!pipe) return "";
  long version = 0;
  char line[256];
  while (std::fgets(line, sizeof line, pipe))
    if (std::sscanf(line, "#define __cplusplus %ldL", &version) == 1) break;
  pclose(pipe);
  if (version > 202002) return "-std=gnu++2b";
  if (version >= 202002) return "-std=gnu++20";
  if (version >= 201703) return "-std=gnu++17";
  if (version >= 201402) return "-std=gnu++14";
  return version ? "-std=gnu++11" : "";
}

bool names_standard(const std::vector<std::string>& command) {
  return std::any_of(command.begin(), command.end(), [](const std::string& arg) {
    return arg.rfind("-std=", 0) == 0 || arg.rfind("--std", 0) == 0;
  });
}

fs::path canonical_or_absolute(const fs::path& path) {
  std::error_code error;
  fs::path out = fs::weakly_canonical(path, error);
  return error ? fs::absolute(path) : out;
}

// Compiles the original when the instrumented copy fails: if the original
// fails too the user sees exactly the compiler's errors for their file;
// otherwise the instrumentation is at fault and says so once.
int compile_original_after(const CompileJob& job, const std::string& reason) {
  int status = pass_through(job.command);
  if (status == 0) warn(job.source(), "not instrumented: " + reason);
  return status;
}

}  // namespace

bool rename_in_depfile(const std::string& depfile, const std::string& copy,
                       const std::string& original) {
  std::ifstream in(depfile);
  if (!in) return false;
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  std::string from = depfile_escape(copy), to = depfile_escape(original);
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  std::ofstream out(depfile, std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

int launch(const std::vector<std::string>& compiler_command, const LauncherOptions& options) {
  std::optional<CompileJob> job = CompileJob::from_command(compiler_command);
  if (!job) return pass_through(compiler_command);
  fs::path source = canonical_or_absolute(job->source());
  if (std::string why = opted_out(source, canonical_or_absolute(options.project_root));
      !why.empty()) {
    if (options.verbose) warn(job->source(), why);
    return pass_through(job->command);
  }

  rewriter::InstrumentOptions instrument_options{options.project_root, options.runtime_header,
                                                 options.preamble_cache};
  std::vector<std::string> parse_as = job->command;
  if (!names_standard(parse_as)) {
    std::string standard = default_standard(parse_as.front());
    if (!standard.empty()) parse_as.insert(parse_as.begin() + 1, standard);
  }
  llvm::Expected<rewriter::InstrumentedFile> instrumented =
      rewriter::instrument_file(job->source(), parse_as, instrument_options);
  if (!instrumented) return compile_original_after(*job, llvm::toString(instrumented.takeError()));
  if (instrumented->functions.empty() && instrumented->variables == 0)
    return pass_through(job->command);

  // The copy lives next to the object file: out of the user's tree, and
  // there to look at when something needs explaining.
  std::string copy = fs::absolute(job->object + ".softpatch.cpp").string();
  {
    std::ofstream out(copy, std::ios::trunc);
    out << instrumented->source;
    if (!out) return compile_original_after(*job, "cannot write " + copy);
  }
  ProcessResult compiled = run_process(job->compiling(copy), Stderr::kCapture);
  if (compiled.status != 0)
    return compile_original_after(
        *job, "instrumented copy " + copy + " did not compile: " + first_line(compiled.error_text));
  std::fputs(compiled.error_text.c_str(), stderr);
  if (!job->depfile.empty() && !rename_in_depfile(job->depfile, copy, job->source()))
    warn(job->source(), "cannot rewrite dependency file " + job->depfile);
  if (options.verbose)
    std::fprintf(stderr, "softpatch-cc: %s: %zu functions instrumented\n", job->source().c_str(),
                 instrumented->functions.size());
  return 0;
}

}  // namespace softpatch::driver
