#include "softpatch/compile/compiler_preamble.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <sstream>

#include "clang/Basic/LangOptions.h"
#include "clang/Lex/Lexer.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SHA1.h"
#include "softpatch/rewriter/preamble_cache.h"

namespace softpatch::driver {
namespace {

// Entries are big (tens to a hundred megabytes with -g).
constexpr std::size_t kKeptEntries = 8;
constexpr std::uint64_t kKeptBytes = 768ull << 20;

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

std::string key_of(const std::vector<std::string>& compile, llvm::StringRef preamble) {
  llvm::SHA1 hash;
  auto add = [&](llvm::StringRef text) {
    hash.update(text);
    hash.update(llvm::StringRef("\0", 1));
  };
  llvm::SmallString<256> cwd;  // relative -I paths mean different things elsewhere
  llvm::sys::fs::current_path(cwd);
  add(cwd);
  for (const std::string& arg : compile) add(arg);
  // A compiler upgrade makes every entry useless.
  if (llvm::ErrorOr<std::string> compiler = llvm::sys::findProgramByName(compile.front())) {
    struct stat info {};
    if (::stat(compiler->c_str(), &info) == 0)
      add(std::to_string(info.st_size) + ":" + std::to_string(info.st_mtim.tv_sec) + "." +
          std::to_string(info.st_mtim.tv_nsec));
  }
  add(preamble);
  return llvm::toHex(hash.final(), /*LowerCase=*/true);
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

void remove_entry(const std::string& header) {
  for (const char* suffix : {"", ".gch", ".pch"}) ::unlink((header + suffix).c_str());
  ::unlink((header.substr(0, header.size() - 2) + ".d").c_str());
}

// Keeps the most recently used entries, at most kKeptEntries of them and
// kKeptBytes in all.
void trim(const std::string& directory) {
  struct Entry {
    std::int64_t used;
    std::uint64_t size;
    std::string header;
  };
  std::vector<Entry> entries;
  std::uint64_t total = 0;
  std::error_code error;
  for (llvm::sys::fs::directory_iterator it(directory, error), end; it != end && !error;
       it.increment(error)) {
    llvm::StringRef path = it->path();
    if (!path.endswith(".h.gch") && !path.endswith(".h.pch")) continue;
    struct stat info {};
    if (::stat(path.str().c_str(), &info) != 0) continue;
    entries.push_back(
        {info.st_mtim.tv_sec, static_cast<std::uint64_t>(info.st_size), path.drop_back(4).str()});
    total += info.st_size;
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.used < b.used; });
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (entries.size() - i <= kKeptEntries && total <= kKeptBytes) break;
    remove_entry(entries[i].header);
    total -= entries[i].size;
  }
}

}  // namespace

CompilerPreamble::CompilerPreamble(const std::string& cache,
                                   const std::vector<std::string>& compile,
                                   const std::string& source)
    : source_(source), compile_(compile) {
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

  std::string directory = cache + "/patch-preambles";
  if (!rewriter::private_directory(directory)) return;
  std::string key = key_of(compile, preamble);
  header_ = directory + "/" + key + ".h";
  precompiled_ = header_ + (is_clang(compile.front()) ? ".pch" : ".gch");
  depfile_ = directory + "/" + key + ".d";
  usable_ = fresh(precompiled_, depfile_);
  if (usable_) ::utimensat(AT_FDCWD, precompiled_.c_str(), nullptr, 0);  // used now
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
  if (header_.empty() || usable_) return;
  std::string suffix = "." + std::to_string(::getpid()) + ".tmp";
  {
    std::ofstream out(header_ + suffix);
    out << llvm::StringRef(source_).substr(body_, preamble_).str();
    if (!out || ::rename((header_ + suffix).c_str(), header_.c_str()) != 0) return;
  }
  trim(llvm::sys::path::parent_path(header_).str());
  // One build per entry at a time: an entry replaced while a compiler
  // reads it can crash that compiler. A lock older than ten minutes is
  // taken to be left by a build that died.
  std::string lock = precompiled_ + ".building";
  struct stat info {};
  if (::stat(lock.c_str(), &info) == 0 && std::time(nullptr) - info.st_mtime > 600)
    ::unlink(lock.c_str());
  int fd = ::open(lock.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return;
  ::close(fd);
  // Built at low priority and left to finish on its own: waiting for it
  // would make this patch wait too. The dependency file goes in first: an
  // entry counts only with both. The entry is dated when its build began,
  // so that a header edited during the build makes it stale (g++ itself
  // does not check).
  std::vector<std::string> command = {
      "/bin/sh",
      "-c",
      "d=$1 p=$2 s=$3; shift 3; touch \"$p$s.start\" && nice -n 10 \"$@\" && "
      "touch -r \"$p$s.start\" \"$p$s\" && mv -f \"$d$s\" \"$d\" && mv -f \"$p$s\" \"$p\" || "
      "rm -f \"$d$s\" \"$p$s\"; rm -f \"$p$s.start\" \"$p.building\"",
      "sh",
      depfile_,
      precompiled_,
      suffix};
  command.insert(command.end(), compile_.begin(), compile_.end());
  command.insert(command.end(), {"-x", "c++-header", header_, "-o", precompiled_ + suffix, "-MD",
                                 "-MF", depfile_ + suffix});
  start_detached(command);
}

void CompilerPreamble::discard() {
  ::unlink(precompiled_.c_str());
  ::unlink(depfile_.c_str());
  usable_ = false;
}

}  // namespace softpatch::driver
