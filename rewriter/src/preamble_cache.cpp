#include "softpatch/rewriter/preamble_cache.h"

#include "parse_file.h"
#include "parsed_bodies.h"
#include "quote_includes.h"
#include "softpatch/cache/caches.h"

#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>

#include "clang/Basic/Version.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendActions.h"
#include "clang/Frontend/MultiplexConsumer.h"
#include "clang/Frontend/PrecompiledPreamble.h"
#include "clang/Frontend/TextDiagnosticBuffer.h"
#include "clang/Tooling/Tooling.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

namespace softpatch::rewriter {
namespace {

namespace fs = llvm::sys::fs;

// The layout (cache::rewriter_preamble_layout): <key>.pch with its header
// <key>.h, a <key>.seen marker; one Clang could not build, or use as soon as
// it was built, is marked <key>.bad, tried again once the mark is a day old.
const cache::Layout& layout() { return cache::rewriter_preamble_layout(); }

// Quote includes of the preamble resolve here.
std::string directory_of(llvm::StringRef file) {
  return llvm::sys::path::parent_path(absolute_path(file)).str();
}

// Builds a precompiled preamble that skips the bodies a parse skips.
class GenerateSkippingPCH : public clang::GeneratePCHAction {
 public:
  explicit GenerateSkippingPCH(std::string root) : root_(std::move(root)) {}

  std::unique_ptr<clang::ASTConsumer> CreateASTConsumer(clang::CompilerInstance& compiler,
                                                        llvm::StringRef file) override {
    std::unique_ptr<clang::ASTConsumer> writer =
        clang::GeneratePCHAction::CreateASTConsumer(compiler, file);
    if (!writer) return nullptr;
    compiler.getFrontendOpts().SkipFunctionBodies = true;
    // A body is skipped only when every consumer says so (the writer does).
    std::vector<std::unique_ptr<clang::ASTConsumer>> consumers;
    consumers.push_back(std::move(writer));
    consumers.push_back(skipping_unparsed_bodies(compiler.getSourceManager(), root_));
    return std::make_unique<clang::MultiplexConsumer>(std::move(consumers));
  }

 private:
  std::string root_;
};

std::string key_of(llvm::StringRef preamble, llvm::StringRef file,
                   const std::vector<std::string>& command, std::string cwd,
                   const std::string& bodies_under) {
  if (cwd.empty()) {  // relative -I paths mean different things elsewhere
    llvm::SmallString<256> here;
    fs::current_path(here);
    cwd = here.str().str();
  }
  std::vector<std::string> flags(command.begin(), command.end() - 1);  // all but the file
  return cache::Key("rewriter-preamble/3")
      .add(clang::getClangFullVersion())
      .add(cwd)
      .add(bodies_under)
      .add(directory_of(file))
      .add(flags)
      .add(preamble)
      .name();
}

// A file's size and modification time to the nanosecond: "<size> <ns>", or
// "" when it cannot be read.
std::string stamp_of(const std::string& path) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) return "";
  return std::to_string(info.st_size) + " " +
         std::to_string(info.st_mtim.tv_sec * 1000000000ll + info.st_mtim.tv_nsec);
}

// Clang checks a precompiled preamble's inputs by size and modification
// time in whole seconds: an edit of the same size within the second the
// file last changed in goes unseen, and the stale text would be parsed.
// Each input's stamp, taken when the preamble was built, is checked to the
// nanosecond before it is used again ("<size> <ns> <path>" lines).
std::string input_stamps(const clang::FileManager& files, std::int64_t built_from_ns) {
  llvm::SmallVector<const clang::FileEntry*, 256> entries;
  files.GetUniqueIDMapping(entries);
  std::string lines;
  for (const clang::FileEntry* entry : entries) {
    if (!entry) continue;
    std::string path = entry->tryGetRealPathName().str();
    if (path.empty()) path = absolute_path(entry->getName());
    std::string stamp = stamp_of(path);
    // Changed while the preamble was built: which text it holds is unknown.
    if (stamp.empty() || std::stoll(stamp.substr(stamp.find(' ') + 1)) >= built_from_ns) return "";
    lines += stamp + " " + path + "\n";
  }
  return lines;
}

bool inputs_unchanged(const std::string& stamps_file) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> stamps =
      llvm::MemoryBuffer::getFile(stamps_file);
  if (!stamps) return false;
  llvm::StringRef text = (*stamps)->getBuffer();
  while (!text.empty()) {
    auto [line, rest] = text.split('\n');
    text = rest;
    auto [size, after_size] = line.split(' ');
    auto [time, path] = after_size.split(' ');
    if (stamp_of(path.str()) != (size + " " + time).str()) return false;
  }
  return true;
}

// Where a file's preamble may be cut so that its first part, loaded before
// the file is read again from its first line, means what that part means
// there: after each #include (#import, #include_next) until the first
// directive whose second reading could differ (an #if, a #pragma but
// `once`, an #undef: a pack or macro push, a test of what a later line
// defines), in ascending order; and whether the whole preamble can be one
// (it does not end inside an #if or a comment, as Clang's may).
struct Cuts {
  std::vector<std::size_t> ends;
  bool whole = true;
};

Cuts cuts_of(llvm::StringRef preamble) {
  Cuts cuts;
  int depth = 0;
  bool replayable = true;   // no directive yet that a second reading could change
  bool in_comment = false;  // a block comment, across lines
  std::size_t at = 0;
  while (at < preamble.size()) {
    // One logical line: a backslash before the newline continues it.
    std::size_t end = at;
    while (true) {
      end = preamble.find('\n', end);
      if (end == llvm::StringRef::npos) break;
      std::size_t before = end > at && preamble[end - 1] == '\r' ? end - 1 : end;
      if (before == at || preamble[before - 1] != '\\') break;
      ++end;
    }
    std::size_t next = end == llvm::StringRef::npos ? preamble.size() : end + 1;
    std::string code;  // the line without its comments and literals' text
    llvm::StringRef line = preamble.slice(at, next);
    char quote = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
      char c = line[i], after = i + 1 < line.size() ? line[i + 1] : '\0';
      if (in_comment) {
        if (c == '*' && after == '/') in_comment = false, ++i;
        continue;
      }
      if (quote) {
        if (c == '\\')
          ++i;
        else if (c == quote)
          quote = 0;
      } else if (c == '/' && after == '/') {
        break;
      } else if (c == '/' && after == '*') {
        in_comment = true, ++i;
        code += ' ';
        continue;
      } else if (c == '"' || (c == '\'' && !(i > 0 && std::isalnum(line[i - 1])))) {
        quote = c;  // not a digit separator (1'000)
      }
      code += c;
    }
    llvm::StringRef text = llvm::StringRef(code).ltrim();
    if (text.consume_front("#")) {
      llvm::StringRef rest = text.ltrim();
      llvm::StringRef word = rest.take_while([](char c) { return std::isalpha(c) || c == '_'; });
      bool conditional = word.startswith("if") || word == "elif" || word == "else";
      if (word.startswith("if")) ++depth;
      if (word == "endif") --depth;
      bool pragma_once = word == "pragma" && rest.drop_front(word.size()).trim() == "once";
      if (conditional || word == "endif" || word == "undef" || (word == "pragma" && !pragma_once))
        replayable = false;
      bool include = word == "include" || word == "import" || word == "include_next";
      if (include && replayable && !in_comment) cuts.ends.push_back(next);
    }
    at = next;
  }
  cuts.whole = depth == 0 && !in_comment;
  return cuts;
}

std::int64_t now_ns() {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return now.tv_sec * 1000000000ll + now.tv_nsec;
}

}  // namespace

PreambleCache::PreambleCache(std::string directory, unsigned long long limit_bytes,
                             std::string working_directory, bool at_first_sight,
                             std::string bodies_under)
    : limit_bytes_(limit_bytes),
      working_directory_(std::move(working_directory)),
      at_first_sight_(at_first_sight),
      bodies_under_(std::move(bodies_under)) {
  if (directory.empty() || limit_bytes_ == 0) return;
  Result<cache::Directory> opened = cache::Directory::open(std::move(directory), layout());
  if (opened)
    directory_ = std::move(*opened);
  else
    opened.ignore();  // not private, or not there: files are parsed without preambles
}

std::string PreambleCache::default_directory() { return cache::default_directory(); }

std::optional<PreambleCache::Entry> PreambleCache::lookup(llvm::StringRef file,
                                                          const std::vector<std::string>& command) {
  if (!directory_) return std::nullopt;
  // A precompiled header given by the build (CMake's) leaves no room for ours.
  for (const std::string& arg : command)
    if (arg == "-include-pch") return std::nullopt;
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer = llvm::MemoryBuffer::getFile(file);
  if (!buffer) return std::nullopt;
  clang::LangOptions options;
  options.CPlusPlus = true;
  clang::PreambleBounds bounds = clang::ComputePreambleBounds(options, **buffer, 0);
  llvm::StringRef whole = (*buffer)->getBuffer().take_front(bounds.Size);
  if (!whole.contains("#include")) return std::nullopt;

  // The whole preamble, then each first part of it that ends after an
  // #include, longest first: files that begin alike (a project's common
  // header first, then headers of their own) share the part they have in
  // common. The parse loads the entry and then reads the file from its
  // first line, its includes of the entry's headers guarded.
  Cuts cuts = cuts_of(whole);
  std::vector<llvm::StringRef> parts;
  if (cuts.whole) parts.push_back(whole);
  for (auto end = cuts.ends.rbegin(); end != cuts.ends.rend(); ++end)
    if (whole.take_front(*end).rtrim() != whole.rtrim()) parts.push_back(whole.take_front(*end));
  if (parts.empty()) return std::nullopt;
  std::vector<std::string> keys;
  for (llvm::StringRef part : parts)
    keys.push_back(key_of(part, file, command, working_directory_, bodies_under_));
  auto bad = [&](std::size_t i) { return fs::exists(directory_->file(keys[i], ".bad")); };
  auto pch_of = [&](std::size_t i) { return directory_->file(keys[i], ".pch"); };
  // The longest part there is an entry of.
  std::size_t found = parts.size();
  for (std::size_t i = 0; i < parts.size() && found == parts.size(); ++i) {
    if (bad(i)) continue;
    if (fs::exists(pch_of(i)) && !inputs_unchanged(directory_->file(keys[i], ".inputs")))
      directory_->remove(keys[i]).ignore();  // built again once seen again
    else if (cache::mark_used(pch_of(i)))
      found = i;
  }
  // A longer part seen before (in this file, or one another file shares)
  // is built; a build Clang fails is not tried again for a day. The longer
  // parts not seen yet are marked, to be built one sighting later.
  for (std::size_t i = 0; i < found; ++i) {
    if (bad(i)) continue;
    bool seen = fs::exists(directory_->file(keys[i], ".seen"));
    if (!seen && !(at_first_sight_ && i == 0)) continue;
    if (build(keys[i], parts[i], file, command, pch_of(i))) return Entry{pch_of(i), true};
    cache::touch(directory_->file(keys[i], ".bad")).ignore();
  }
  for (std::size_t i = 0; i < found; ++i) cache::touch(directory_->file(keys[i], ".seen")).ignore();
  if (found < parts.size()) return Entry{pch_of(found), false};
  return std::nullopt;
}

bool PreambleCache::build(const std::string& key, llvm::StringRef preamble, llvm::StringRef file,
                          const std::vector<std::string>& command, const std::string& pch) {
  // One process builds an entry; the others parse without it meanwhile.
  Result<cache::Lock> lock = directory_->lock(key);
  if (!lock) {
    lock.ignore();
    return false;
  }
  // The preamble becomes a header of its own, kept beside the entry (Clang
  // checks it is still there); its quote includes name the file's directory.
  std::string header = directory_->file(key, ".h");
  Result<std::string> written = cache::write_atomically(
      header, with_absolute_quote_includes(preamble, directory_of(file)) + "\n");
  if (!written) {
    written.ignore();
    return false;
  }
  std::vector<std::string> generate(command.begin(), command.end() - 1);
  generate.erase(std::remove(generate.begin(), generate.end(), "-fsyntax-only"), generate.end());
  std::string temporary = cache::temporary_for(pch);
  generate.insert(generate.end(), {"-x", "c++-header", header, "-o", temporary});

  llvm::IntrusiveRefCntPtr<clang::FileManager> files = file_manager_in(working_directory_);
  std::int64_t started = now_ns();
  clang::TextDiagnosticBuffer diagnostics;  // a failed build is just a cache miss
  clang::tooling::ToolInvocation invocation(
      generate, std::make_unique<GenerateSkippingPCH>(bodies_under_), files.get());
  invocation.setDiagnosticConsumer(&diagnostics);
  std::string stamps;
  if (!invocation.run() || diagnostics.getNumErrors() != 0 ||
      (stamps = input_stamps(*files, started)).empty()) {
    fs::remove(temporary);
    fs::remove(header);
    return false;
  }
  Result<std::string> stamped = cache::write_atomically(directory_->file(key, ".inputs"), stamps);
  if (!stamped) {
    stamped.ignore();
    fs::remove(temporary);
    fs::remove(header);
    return false;
  }
  Result<std::string> built = cache::commit(temporary, pch);
  if (!built) {
    built.ignore();
    fs::remove(header);
    return false;
  }
  // Trimmed while the lock is held: the new entry stays, whatever the limit.
  // The bound is for all of softpatch's caches together.
  if (limit_bytes_ == cache::total_limit_bytes())
    cache::trim_all(directory_->path()).ignore();  // a miss later, at worst
  else
    directory_->trim(cache::Limits{limit_bytes_}).ignore();
  return true;
}

void PreambleCache::discard(const Entry& entry) {
  std::string key = llvm::sys::path::stem(entry.pch).str();
  directory_->remove(key).ignore();
  // Unusable as soon as it was built (a header without include guards, say):
  // not built again for a day. A reused entry gone stale is rebuilt next time.
  if (entry.built_now) cache::touch(directory_->file(key, ".bad")).ignore();
}

std::vector<std::string> with_preamble(std::vector<std::string> command, const std::string& pch) {
  // Headers in -isystem directories are checked for changes too (Clang only
  // checks user headers by default).
  command.insert(command.end() - 1, {"-include-pch", pch, "-fmodules-validate-system-headers"});
  return command;
}

}  // namespace softpatch::rewriter
