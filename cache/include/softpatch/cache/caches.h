// softpatch's own caches, together: the rewriter's precompiled preambles in
// the cache directory itself and the patch compiler's in its
// patch-preambles/ folder. One size bound holds for both, and one call
// empties them (`softpatch clean`).
//
//   cache::trim_all(cache::default_directory()).ignore();  // after adding an entry
//   Result<cache::Trimmed> gone = cache::clear_all(cache::default_directory());
#ifndef SOFTPATCH_CACHE_CACHES_H
#define SOFTPATCH_CACHE_CACHES_H

#include <cstdint>
#include <string>

#include "softpatch/cache/file_cache.h"
#include "softpatch/result.h"

namespace softpatch::cache {

// How each cache names its files.
const Layout& rewriter_preamble_layout();
const Layout& compiler_preamble_layout();

// Where the patch compiler's entries go under the cache directory `root`.
std::string compiler_preamble_directory(const std::string& root);

// The bound on both caches together: $SOFTPATCH_CACHE_LIMIT_MB MiB, 1024 by
// default; 0 turns the caches off.
std::uint64_t total_limit_bytes();

// Trims both caches under `root` to total_limit_bytes() together, least
// recently used first; entries being built stay.
Result<Trimmed> trim_all(const std::string& root);

// Empties both caches under `root`, but for entries being built.
Result<Trimmed> clear_all(const std::string& root);

}  // namespace softpatch::cache

#endif  // SOFTPATCH_CACHE_CACHES_H
