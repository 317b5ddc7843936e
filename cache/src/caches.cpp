#include "softpatch/cache/caches.h"

#include <cstdlib>
#include <vector>

namespace softpatch::cache {
namespace {

// Both caches under `root`, as far as they can be opened.
Result<std::vector<Directory>> both(const std::string& root) {
  std::vector<Directory> out;
  Result<Directory> rewriter = Directory::open(root, rewriter_preamble_layout());
  if (!rewriter) return rewriter.take_error();
  out.push_back(std::move(*rewriter));
  Result<Directory> compiler =
      Directory::open(compiler_preamble_directory(root), compiler_preamble_layout());
  if (!compiler) return compiler.take_error();
  out.push_back(std::move(*compiler));
  return out;
}

}  // namespace

// An entry is <key>.pch with the header it was built from, <key>.h, or what
// a compiler printed when asked what it predefines, <key>.probe (asked by
// every file a build compiles). A preamble seen once is marked <key>.seen,
// forgotten after a week; one Clang could not build or use, <key>.bad,
// tried again after a day. One process builds an entry; a lock left by a
// process that died is taken over after two minutes.
const Layout& rewriter_preamble_layout() {
  static const Layout kLayout{
      {".pch", ".probe"},
      {".h", ".inputs"},
      ".lock",
      std::chrono::minutes(2),
      {{".seen", std::chrono::hours(24 * 7)}, {".bad", std::chrono::hours(24)}}};
  return kLayout;
}

// An entry is <key>.h.gch (g++) or <key>.h.pch (clang++), with its header
// <key>.h and the dependency file <key>.d; built by a detached process that
// may take minutes.
const Layout& compiler_preamble_layout() {
  static const Layout kLayout{
      {".h.gch", ".h.pch"}, {".h", ".d"}, ".building", std::chrono::minutes(10), {}};
  return kLayout;
}

std::string compiler_preamble_directory(const std::string& root) {
  return root + "/patch-preambles";
}

std::uint64_t total_limit_bytes() {
  const char* limit = std::getenv("SOFTPATCH_CACHE_LIMIT_MB");
  std::uint64_t mb = limit && *limit ? std::strtoull(limit, nullptr, 10) : 1024;
  return mb << 20;
}

Result<Trimmed> trim_all(const std::string& root) {
  Result<std::vector<Directory>> caches = both(root);
  if (!caches) return caches.take_error();
  return trim_together(*caches, Limits{total_limit_bytes()});
}

Result<Trimmed> clear_all(const std::string& root) {
  Result<std::vector<Directory>> caches = both(root);
  if (!caches) return caches.take_error();
  Trimmed all;
  for (const Directory& cache : *caches) {
    Result<Trimmed> cleared = cache.clear();
    if (!cleared) return cleared.take_error();
    all.removed += cleared->removed;
    all.freed_bytes += cleared->freed_bytes;
    all.kept += cleared->kept;
    all.kept_bytes += cleared->kept_bytes;
  }
  return all;
}

}  // namespace softpatch::cache
