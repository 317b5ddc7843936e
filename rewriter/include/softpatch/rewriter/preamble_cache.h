// A cache of precompiled preambles. A file's preamble is its leading run of
// preprocessor directives (its #includes, mostly), which is what dominates
// the cost of parsing it. Once the same preamble has been parsed twice with
// the same command (the same file rebuilt, or files that include the same
// headers), it is precompiled, and later parses load it instead. So is a
// first part of it, up to an #include, that two files share (a project's
// common header, then headers of each file's own): a file uses the longest
// entry its preamble begins with.
//
// Entries are keyed by the preamble's text, the file's directory (quote
// includes) and the parse command; Clang itself refuses an entry whose
// headers changed since it was built, and callers then parse without it.
// Where entries live, how they are written, locked and trimmed is the
// caches' shared part (softpatch/cache/file_cache.h).
#ifndef SOFTPATCH_REWRITER_PREAMBLE_CACHE_H
#define SOFTPATCH_REWRITER_PREAMBLE_CACHE_H

#include <optional>
#include <string>
#include <vector>

#include "llvm/ADT/StringRef.h"
#include "softpatch/cache/file_cache.h"

namespace softpatch::rewriter {

class PreambleCache {
 public:
  // `directory` is created (mode 0700) when missing, and not used unless
  // private (cache::Directory::open); `limit_bytes` bounds the cache, least
  // recently used entries going first (0: no cache).
  // `working_directory`: where the parse commands run ("" for this
  // process's directory); it is part of every key.
  // `at_first_sight`: build an entry the first time its preamble is seen
  // (softpatch warm), not the second.
  // `bodies_under`: the project whose headers' function bodies are parsed
  // (the parse's own choice, parsed_bodies.h); part of every key.
  PreambleCache(std::string directory, unsigned long long limit_bytes,
                std::string working_directory = "", bool at_first_sight = false,
                std::string bodies_under = "");

  // The default location, cache::default_directory(): $SOFTPATCH_CACHE_DIR,
  // else $XDG_CACHE_HOME/softpatch, else ~/.cache/softpatch; "" when
  // $SOFTPATCH_CACHE_DIR is "off".
  static std::string default_directory();

  struct Entry {
    std::string pch;  // path of the precompiled preamble
    bool built_now;   // built by this call, rather than found
  };

  // For `file` parsed with `command` (as made by parse_command: the file last,
  // -fsyntax-only in it): the precompiled preamble to parse with, building it
  // when this preamble has been seen before; nothing when there is none yet.
  std::optional<Entry> lookup(llvm::StringRef file, const std::vector<std::string>& command);

  // Forgets an entry Clang could not use: one gone stale (its headers
  // changed) is rebuilt later; one unusable from the start not for a day.
  void discard(const Entry& entry);

 private:
  bool build(const std::string& key, llvm::StringRef preamble, llvm::StringRef file,
             const std::vector<std::string>& command, const std::string& pch);

  std::optional<cache::Directory> directory_;  // none: no cache
  unsigned long long limit_bytes_;
  std::string working_directory_;
  bool at_first_sight_;
  std::string bodies_under_;
};

// `command` with `pch` loaded before the file is parsed.
std::vector<std::string> with_preamble(std::vector<std::string> command, const std::string& pch);

}  // namespace softpatch::rewriter

#endif  // SOFTPATCH_REWRITER_PREAMBLE_CACHE_H
