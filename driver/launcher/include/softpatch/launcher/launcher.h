// softpatch-cc, the compiler launcher: compiles an instrumented copy of each
// C++ source of the project in place of the original, and passes everything
// else straight to the compiler.
//
//   softpatch-cc [--root=DIR] [--verbose] g++ -c src/a.cpp -o a.o -MD -MF a.o.d
//
// An instrumented build never fails where the plain build succeeds: when the
// rewriter cannot handle a file, the original is compiled and one warning
// line names the file and the reason.
#ifndef SOFTPATCH_LAUNCHER_LAUNCHER_H
#define SOFTPATCH_LAUNCHER_LAUNCHER_H

#include <string>
#include <vector>

namespace softpatch::driver {

struct LauncherOptions {
  std::string project_root;    // files outside it are compiled untouched
  std::string runtime_header;  // softpatch/internal/instrument.h
  std::string preamble_cache;  // directory of precompiled preambles; "" for none
  bool verbose = false;
};

// Runs one compiler command; returns the exit status to report.
int launch(const std::vector<std::string>& compiler_command, const LauncherOptions& options);

// Rewrites the dependency file at `depfile` so that it names each pair's
// original (second) wherever the compiler wrote its copy (first). Returns
// false if it cannot be rewritten.
bool rename_in_depfile(const std::string& depfile,
                       const std::vector<std::pair<std::string, std::string>>& copies);

}  // namespace softpatch::driver

#endif  // SOFTPATCH_LAUNCHER_LAUNCHER_H
