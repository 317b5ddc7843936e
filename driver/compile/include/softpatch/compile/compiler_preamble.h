// Precompiled preambles for the compiler that builds patches.
//
// A patch is its file's code plus a little, and what dominates compiling it
// is the file's leading #includes. The first patch of a file precompiles
// them in the background (detached, at low priority), with the patch
// build's own compiler and flags, while that patch compiles the usual way;
// later patches of the file
// include the precompiled header instead and compile several times faster.
// An entry records the headers it was built from (a dependency file) and is
// not used once any of them changed. Only preambles made of #include lines
// (and comments) are precompiled: anything else could mean something
// different in a header of its own. Entries live in <cache>/patch-preambles,
// at most 8 of them and 768 MiB, written, locked and trimmed by the caches'
// shared rules (softpatch/cache/file_cache.h).
#ifndef SOFTPATCH_COMPILE_COMPILER_PREAMBLE_H
#define SOFTPATCH_COMPILE_COMPILER_PREAMBLE_H

#include <optional>
#include <string>
#include <vector>

#include "softpatch/cache/file_cache.h"

namespace softpatch::driver {

class CompilerPreamble {
 public:
  // `source` is a patch source: a prologue ending in a `#line 1` line, then
  // the file's text. `compile` is the patch build's compiler and its
  // compile flags (no source, no output, no link flags). `cache` is the
  // directory for entries; "" turns them off. `directory` is where the
  // compile runs (its relative paths resolve there; "" for this process's).
  CompilerPreamble(const std::string& cache, const std::vector<std::string>& compile,
                   const std::string& source, const std::string& directory = "");

  // A fresh precompiled preamble exists: compile source_using_it() with
  // include_arguments() added to the flags. (Without one, those are the
  // source unchanged and no arguments.)
  bool usable() const { return usable_; }
  std::string source_using_it() const;
  std::vector<std::string> include_arguments() const;

  // When there is none yet, starts building it, detached and at low
  // priority: it is there for a later patch once it is done.
  void start();
  // The same, waiting for it (softpatch warm, which runs in the background).
  void build();

  // Forgets the entry (its use failed).
  void discard();

 private:
  // The command that builds the entry (taking its lock), when it is to be
  // built.
  std::optional<std::vector<std::string>> build_command();

  std::string source_;
  std::size_t body_ = 0;      // where the file's text starts in source_
  std::size_t preamble_ = 0;  // its preamble's length
  std::vector<std::string> compile_;
  std::string working_directory_;
  std::optional<cache::Directory> directory_;
  std::string key_;
  std::string header_;  // <cache>/<key>.h; "" when there is nothing to precompile
  std::string precompiled_;
  std::string depfile_;
  bool usable_ = false;
};

}  // namespace softpatch::driver

#endif  // SOFTPATCH_COMPILE_COMPILER_PREAMBLE_H
