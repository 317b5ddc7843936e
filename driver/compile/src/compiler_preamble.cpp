#include "softpatch/compile/compiler_preamble.h"

#include "softpatch/cache/caches.h"

#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "clang/Basic/LangOptions.h"
#include "clang/Lex/Lexer.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "softpatch/common/subprocess.h"

namespace softpatch::driver {
namespace {

// Entries are big (tens to a hundred megabytes with -g).
constexpr cache::Limits kKept{768ull << 20, 8};

// An entry is <key>.h.gch (g++) or <key>.h.pch (Clang), with the header it
// is built from, <key>.h, and the headers that one included, <key>.d. One
// build per entry at a time (<key>.building): an entry replaced while a
// compiler reads it can crash that compiler. A lock older than ten minutes
// was left by a build that died.
const cache::Layout& layout() { return cache::compiler_preamble_layout(); }

// Only #include lines, #pragma once, comments and blank lines.
bool only_includes(llvm::StringRef preamble) {
  bool in_comment = false;
  llvm::SmallVector<llvm::StringRef, 32> lines;
  preamble.split(lines, '\n');
  for (llvm::StringRef line : lines) {
    line = line.trim();
    if (in_comment) {
      in_comment = !line.contains("*/");
      continue;
    }
    if (line.empty() || line.startswith("//")) continue;
    if (line.startswith("/*")) {
      in_comment = !line.contains("*/");
      continue;
    }
    if (!line.consume_front("#")) return false;
    line = line.ltrim();
    if (line.startswith("pragma") && line.drop_front(6).trim() == "once") continue;
    if (!line.startswith("include") || line.startswith("include_next")) return false;
  }
  return !in_comment;
}

std::string key_of(const std::vector<std::string>& compile, llvm::StringRef preamble,
                   const std::string& directory) {
  llvm::SmallString<256> cwd(directory);  // relative -I paths mean different things elsewhere
  if (cwd.empty()) llvm::sys::fs::current_path(cwd);
  // A compiler upgrade makes every entry useless.
  std::string compiler;
  if (llvm::ErrorOr<std::string> path = llvm::sys::findProgramByName(compile.front())) {
    struct stat info {};
    if (::stat(path->c_str(), &info) == 0)
      compiler = std::to_string(info.st_size) + ":" + std::to_string(info.st_mtim.tv_sec) + "." +
                 std::to_string(info.st_mtim.tv_nsec);
  }
  return cache::Key("patch-preamble/2")
      .add(cwd.str())
      .add(compile)
      .add(compiler)
      .add(preamble)
      .name();
}

bool is_clang(const std::string& compiler) {
  return llvm::sys::path::filename(compiler).contains("clang");
}

bool newer(const struct timespec& a, const struct timespec& b) {
  return a.tv_sec != b.tv_sec ? a.tv_sec > b.tv_sec : a.tv_nsec > b.tv_nsec;
}

// The files a make-style dependency file names ("target: dep dep \ ...").
std::vector<std::string> dependencies(const std::string& depfile) {
  std::ifstream in(depfile);
  std::stringstream text;
  text << in.rdbuf();
  std::vector<std::string> out;
  std::string current;
  bool seen_target = false;
  std::string all = text.str();
  for (std::size_t i = 0; i < all.size(); ++i) {
    char c = all[i];
    if (c == '\\' && i + 1 < all.size() && (all[i + 1] == ' ' || all[i + 1] == '#')) {
      current += all[++i];
    } else if (c == '\\' && i + 1 < all.size() && all[i + 1] == '\n') {
      ++i;
    } else if (c == ' ' || c == '\n' || c == '\t') {
      if (!current.empty() && seen_target) out.push_back(current);
      current.clear();
    } else if (c == ':' && !seen_target &&
               (i + 1 == all.size() || all[i + 1] == ' ' || all[i + 1] == '\n')) {
      seen_target = true;
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty() && seen_target) out.push_back(current);
  return out;
}

// Built, and none of the headers it was built from changed since.
bool fresh(const std::string& precompiled, const std::string& depfile) {
  struct stat built {};
  if (::stat(precompiled.c_str(), &built) != 0) return false;
  std::vector<std::string> inputs = dependencies(depfile);
  if (inputs.empty()) return false;
  for (const std::string& input : inputs) {
    struct stat info {};
    if (::stat(input.c_str(), &info) != 0 || newer(info.st_mtim, built.st_mtim)) return false;
  }
  return true;
}

}  // namespace

CompilerPreamble::CompilerPreamble(const std::string& cache,
                                   const std::vector<std::string>& compile,
                                   const std::string& source, const std::string& working_directory)
    : source_(source), compile_(compile), working_directory_(working_directory) {
  if (cache.empty() || compile.empty()) return;
  // The build's own precompiled header (CMake's) leaves no room for ours.
  for (const std::string& arg : compile)
    if (llvm::StringRef(arg).startswith("-include") || arg == "-x") return;
  std::size_t line = source.find("\n#line 1 ");
  if (line == std::string::npos) return;
  body_ = source.find('\n', line + 1) + 1;
  llvm::StringRef body = llvm::StringRef(source).drop_front(body_);
  clang::LangOptions options;
  options.CPlusPlus = true;
  clang::PreambleBounds bounds = clang::Lexer::ComputePreamble(body, options, /*MaxLines=*/0);
  llvm::StringRef preamble = body.take_front(bounds.Size);
  preamble = preamble.take_front(preamble.rfind('\n') + 1);  // whole lines only
  if (!preamble.contains("#include") || !only_includes(preamble)) return;
  preamble_ = preamble.size();

  Result<cache::Directory> directory =
      cache::Directory::open(cache::compiler_preamble_directory(cache), layout());
  if (!directory) {
    directory.ignore();  // not private, or not there: patches compile the usual way
    return;
  }
  directory_ = std::move(*directory);
  key_ = key_of(compile, preamble, working_directory_);
  header_ = directory_->file(key_, ".h");
  precompiled_ = directory_->file(key_, is_clang(compile.front()) ? ".h.pch" : ".h.gch");
  depfile_ = directory_->file(key_, ".d");
  usable_ = fresh(precompiled_, depfile_) && cache::mark_used(precompiled_);  // used now
}

std::string CompilerPreamble::source_using_it() const {
  std::string out = source_;
  if (!usable_) return out;
  // Blanked, not removed: line numbers stay those of the file.
  for (std::size_t i = body_; i < body_ + preamble_; ++i)
    if (out[i] != '\n') out[i] = ' ';
  return out;
}

std::vector<std::string> CompilerPreamble::include_arguments() const {
  if (!usable_) return {};
  return {"-include", header_};
}

void CompilerPreamble::start() {
  if (std::optional<std::vector<std::string>> command = build_command())
    start_detached(*command, working_directory_);
}

void CompilerPreamble::build() {
  if (std::optional<std::vector<std::string>> command = build_command())
    run_process(*command, Stderr::kDiscard, working_directory_);
}

std::optional<std::vector<std::string>> CompilerPreamble::build_command() {
  if (header_.empty() || usable_) return std::nullopt;
  Result<cache::Lock> lock = directory_->lock(key_);
  if (!lock) {
    lock.ignore();  // another build of it is under way
    return std::nullopt;
  }
  Result<std::string> header =
      cache::write_atomically(header_, llvm::StringRef(source_).substr(body_, preamble_));
  if (!header) {
    header.ignore();
    return std::nullopt;
  }
  directory_->trim(kKept).ignore();  // this entry is locked: it stays
  // Within the bound of all of softpatch's caches together; a miss at worst.
  cache::trim_all(llvm::sys::path::parent_path(directory_->path()).str()).ignore();
  // Built at low priority, the lock handed over to the build; start() leaves
  // it to finish on its own (waiting would make the patch wait too). The
  // dependency file goes
  // in first: an entry counts only with both. The entry is dated when its
  // build began, so that a header edited during the build makes it stale
  // (g++ itself does not check).
  std::string suffix = cache::temporary_suffix();
  std::vector<std::string> command = {
      "/bin/sh",
      "-c",
      "d=$1 p=$2 s=$3 l=$4; shift 4; t=$p.start$s; touch \"$t\" && nice -n 10 \"$@\" && "
      "touch -r \"$t\" \"$p$s\" && mv -f \"$d$s\" \"$d\" && mv -f \"$p$s\" \"$p\" || "
      "rm -f \"$d$s\" \"$p$s\"; rm -f \"$t\" \"$l\"",
      "sh",
      depfile_,
      precompiled_,
      suffix,
      lock->hand_over()};
  command.insert(command.end(), compile_.begin(), compile_.end());
  command.insert(command.end(), {"-x", "c++-header", header_, "-o", precompiled_ + suffix, "-MD",
                                 "-MF", depfile_ + suffix});
  return command;
}

void CompilerPreamble::discard() {
  if (directory_) directory_->remove(key_).ignore();
  usable_ = false;
}

}  // namespace softpatch::driver
