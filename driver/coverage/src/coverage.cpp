#include "softpatch/coverage/coverage.h"

#include <algorithm>
#include <cstdio>

#include "clang/Tooling/JSONCompilationDatabase.h"
#include "llvm/Support/FileSystem.h"

#include "softpatch/common/paths.h"
#include "softpatch/compile/compile_database.h"
#include "softpatch/rewriter/instrumenter.h"

namespace softpatch::driver {
namespace {

llvm::Error failure(const std::string& message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

// Adds what instrumenting one file made of each of its definitions.
void count(const std::string& file, const rewriter::InstrumentedFile& out, Coverage& coverage) {
  for (const rewriter::InstrumentedFunction& f : out.functions) {
    if (f.instantiation) continue;
    // Named as the skipped are: one file may instrument what another skips.
    Definition& d =
        coverage.definitions[{f.file.empty() ? file : f.file, f.line, f.qualified, f.type}];
    ++d.compiled;
    ++d.instrumented;
  }
  for (const rewriter::SkippedFunction& f : out.skipped) {
    if (f.instantiation) continue;
    Definition& d = coverage.definitions[{f.file.empty() ? file : f.file, f.line, f.name, f.type}];
    ++d.compiled;
    if (d.reason.empty()) d.reason = f.reason;
  }
}

std::string percent(std::size_t part, std::size_t whole) {
  char text[16];
  std::snprintf(text, sizeof text, "%.1f%%", 100.0 * part / whole);
  return text;
}

}  // namespace

std::string reason_kind(const std::string& reason) {
  std::size_t end = reason.size();
  for (const char* detail : {" (", ", ", ": ", " in /", " by /"})
    end = std::min(end, reason.find(detail));
  return reason.substr(0, end);
}

llvm::Expected<Coverage> measure_coverage(const std::string& build_dir, const std::string& root,
                                          const std::vector<std::string>& files) {
  std::string database = find_compile_database(build_dir.empty() ? "." : build_dir);
  if (database.empty())
    return failure("no compile_commands.json in " + (build_dir.empty() ? "." : build_dir) +
                   " or its build*/ folders (softpatch_instrument() writes one for its "
                   "targets)");
  std::string error;
  std::unique_ptr<clang::tooling::JSONCompilationDatabase> commands =
      clang::tooling::JSONCompilationDatabase::loadFromFile(
          database, error, clang::tooling::JSONCommandLineSyntax::AutoDetect);
  if (!commands) return failure(database + ": " + error);
  Coverage coverage;
  coverage.root = root.empty() ? cmake_source_directory(database) : absolute_normal(root);
  if (coverage.root.empty())
    return failure(database + " was not written by CMake: give the project root (--root)");
  std::vector<std::string> chosen = files;
  for (std::string& file : chosen) file = absolute_normal(file);
  if (chosen.empty()) chosen = commands->getAllFiles();
  std::sort(chosen.begin(), chosen.end());
  for (const std::string& file : chosen) {
    std::vector<clang::tooling::CompileCommand> found = commands->getCompileCommands(file);
    if (found.empty()) {
      coverage.failed.push_back(file + ": no compile command in " + database);
      continue;
    }
    rewriter::InstrumentOptions options;
    options.project_root = coverage.root;
    options.runtime_header = "softpatch/internal/instrument.h";  // nothing is compiled
    options.shadow_directory = "<not written>";
    options.working_directory = found.front().Directory;
    llvm::Expected<rewriter::InstrumentedFile> out =
        rewriter::instrument_file(file, found.front().CommandLine, options);
    if (!out) {
      coverage.failed.push_back(file + ": " + llvm::toString(out.takeError()));
      continue;
    }
    ++coverage.files;
    // By its real path, as its headers are named: a root reached through a
    // link is one tree.
    llvm::SmallString<256> real;
    std::string path = llvm::sys::fs::real_path(file, real) ? file : real.str().str();
    if (!out->opted_out.empty())
      coverage.left_alone.push_back(path + ": " + out->opted_out);
    else
      count(path, *out, coverage);
  }
  return coverage;
}

std::vector<std::string> coverage_report(const Coverage& coverage, bool each) {
  std::size_t instrumented = 0;
  std::map<std::string, std::size_t> by_kind;
  std::vector<std::string> places;
  for (const auto& [key, d] : coverage.definitions) {
    const auto& [file, line, name, type] = key;
    std::string place = file + ":" + std::to_string(line) + ": " + name + ": ";
    if (d.instrumented == d.compiled) {
      ++instrumented;
      continue;
    }
    std::string kind = reason_kind(d.reason);
    if (d.instrumented) {
      kind = "instrumented by some of the files that compile it only";
      place += "instrumented by " + std::to_string(d.instrumented) + " of the " +
               std::to_string(d.compiled) + " files that compile it; the others: " + d.reason;
    } else {
      place += d.reason;
    }
    ++by_kind[kind];
    places.push_back(place);
  }
  std::size_t total = coverage.definitions.size();
  std::vector<std::string> lines;
  std::string files = ", in " + std::to_string(coverage.files) + " files";
  if (total == 0)
    lines.push_back(coverage.root + ": no function definitions of the project" + files);
  else
    lines.push_back(coverage.root + ": " + std::to_string(instrumented) + " of " +
                    std::to_string(total) + " function definitions instrumented (" +
                    percent(instrumented, total) + ")" + files);
  std::vector<std::pair<std::size_t, std::string>> kinds;
  for (const auto& [kind, n] : by_kind) kinds.emplace_back(n, kind);
  std::sort(kinds.begin(), kinds.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  for (const auto& [n, kind] : kinds) {
    char count[16];
    std::snprintf(count, sizeof count, "%7zu  ", n);
    lines.push_back(count + kind);
  }
  if (each) lines.insert(lines.end(), places.begin(), places.end());
  for (const std::string& file : coverage.left_alone) lines.push_back("left alone: " + file);
  for (const std::string& file : coverage.failed) lines.push_back("not parsed: " + file);
  return lines;
}

}  // namespace softpatch::driver
