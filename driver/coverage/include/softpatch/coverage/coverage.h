// What an instrumented build covers: every function definition of the
// project's files that a compile database compiles, headers included, as
// instrumented or skipped with why. A header's function is one definition
// however many files compile it.
//
//   llvm::Expected<Coverage> coverage = measure_coverage("build", "");
//   if (!coverage) return coverage.takeError();
//   for (const std::string& line : coverage_report(*coverage, /*each=*/false)) puts(line);
#ifndef SOFTPATCH_COVERAGE_COVERAGE_H
#define SOFTPATCH_COVERAGE_COVERAGE_H

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "llvm/Support/Error.h"

namespace softpatch::driver {

// One function definition, and what the files that compile it made of it.
struct Definition {
  unsigned compiled = 0;      // by how many files
  unsigned instrumented = 0;  // of those, how many instrumented it
  std::string reason;         // why one of them did not (the first met)
};

struct Coverage {
  std::string root;  // the project root the files were judged by
  unsigned files = 0;
  // (file, line, qualified name, type) -> what became of it.
  std::map<std::tuple<std::string, unsigned, std::string, std::string>, Definition> definitions;
  std::vector<std::string> left_alone;  // "file: why" (opted out, outside the root)
  std::vector<std::string> failed;      // "file: the error" (could not be parsed)
};

// Instruments (without writing anything) every file of the compile
// database found from `build_dir` (see find_compile_database), judged by
// `root` ("": the CMake source directory of the build), or only `files`
// when given.
llvm::Expected<Coverage> measure_coverage(const std::string& build_dir, const std::string& root,
                                          const std::vector<std::string>& files = {});

// The summary: one line of totals, then the definitions not instrumented,
// counted by reason; with `each`, every one of them with its place.
std::vector<std::string> coverage_report(const Coverage& coverage, bool each);

// The kind of a skip reason, for counting: its text before any detail (a
// name, a place, a parenthesis): "its header is not copied: entered more
// than once" -> "its header is not copied".
std::string reason_kind(const std::string& reason);

}  // namespace softpatch::driver

#endif  // SOFTPATCH_COVERAGE_COVERAGE_H
