#include "header_shadows.h"

#include <algorithm>
#include <cctype>
#include <functional>

#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "parse_file.h"
#include "quote_includes.h"
#include "softpatch/cache/file_cache.h"
#include "softpatch/rewriter/text_hash.h"
#include "source_text.h"

namespace softpatch::rewriter {
namespace {

// An `#include` line's name: where it starts and ends in `line` (the
// delimiters excluded), and whether it is `<...>`; nothing for other lines
// and computed includes.
struct IncludeName {
  size_t begin = 0, end = 0;
  bool angled = false;
};
std::optional<IncludeName> include_name(llvm::StringRef line) {
  size_t at = line.startswith("\xEF\xBB\xBF") ? 3 : 0;  // a byte order mark opens line 1
  at = line.find_first_not_of(" \t", at);
  if (at == llvm::StringRef::npos || line[at] != '#') return std::nullopt;
  at = line.find_first_not_of(" \t", at + 1);
  if (at == llvm::StringRef::npos || !line.substr(at).startswith("include")) return std::nullopt;
  at += strlen("include");
  at = line.find_first_not_of(" \t", at);
  if (at == llvm::StringRef::npos || (line[at] != '"' && line[at] != '<')) return std::nullopt;
  char close = line[at] == '"' ? '"' : '>';
  size_t end = line.find(close, at + 1);
  if (end == llvm::StringRef::npos) return std::nullopt;
  return IncludeName{at + 1, end, close == '>'};
}

bool below(llvm::StringRef path, llvm::StringRef root) { return path.startswith(root.str() + "/"); }

// Whether `line` is a directive `#<name>...`, spaces allowed after the `#`.
bool is_directive(llvm::StringRef line, llvm::StringRef name) {
  llvm::StringRef rest = line.ltrim();
  return rest.consume_front("#") && rest.ltrim().startswith(name);
}

// `#include MACRO`: a directive whose name a macro gives.
bool is_computed_include(llvm::StringRef line) {
  llvm::StringRef rest = line.ltrim();
  if (!rest.consume_front("#")) return false;
  rest = rest.ltrim();
  if (!rest.consume_front("include")) return false;
  rest = rest.ltrim();
  return !rest.empty() && (std::isalpha(static_cast<unsigned char>(rest[0])) || rest[0] == '_');
}

bool has_include_next(llvm::StringRef text) {
  while (!text.empty()) {
    auto [line, rest] = text.split('\n');
    if (is_directive(line, "include_next")) return true;
    text = rest;
  }
  return false;
}

// The file IDs of each user (not system) file that `sources` entered, by
// real path.
std::map<std::string, std::vector<clang::FileID>> files_entered(
    const clang::SourceManager& sources) {
  std::map<std::string, std::vector<clang::FileID>> files;
  auto add = [&](const clang::SrcMgr::SLocEntry& entry) {
    if (!entry.isFile() || entry.getFile().getFileCharacteristic() != clang::SrcMgr::C_User) return;
    clang::FileID id =
        sources.getFileID(clang::SourceLocation::getFromRawEncoding(entry.getOffset()));
    if (std::string path = real_path_of(sources, id); !path.empty()) files[path].push_back(id);
  };
  for (unsigned i = 1; i < sources.local_sloc_entry_size(); ++i) add(sources.getLocalSLocEntry(i));
  for (unsigned i = 0; i < sources.loaded_sloc_entry_size(); ++i) {
    bool invalid = false;
    const clang::SrcMgr::SLocEntry& entry = sources.getLoadedSLocEntry(i, &invalid);
    if (!invalid) add(entry);
  }
  // In the order the file entered them, however the entries were loaded (a
  // precompiled preamble's come in an order of their own): the choice of
  // an entry must not depend on a cache.
  for (auto& [path, ids] : files)
    std::stable_sort(ids.begin(), ids.end(), [&](clang::FileID a, clang::FileID b) {
      return sources.isBeforeInTranslationUnit(sources.getLocForStartOfFile(a),
                                               sources.getLocForStartOfFile(b));
    });
  return files;
}

// The files (by id) whose text declares something: a header's entry whose
// preprocessing left only directives (its guard skipped the rest) declares
// nothing. Library and system headers are not looked into.
llvm::DenseSet<clang::FileID> files_declaring(const clang::ASTContext& context) {
  const clang::SourceManager& sources = context.getSourceManager();
  llvm::DenseSet<clang::FileID> files;
  std::function<void(const clang::DeclContext&)> walk = [&](const clang::DeclContext& scope) {
    for (const clang::Decl* decl : scope.decls()) {
      clang::SourceLocation at = sources.getExpansionLoc(decl->getLocation());
      if (at.isInvalid() || decl->isImplicit() || sources.isInSystemHeader(at)) continue;
      files.insert(sources.getFileID(at));
      // A class template's members too (an `.inc` file entered in two
      // class bodies declares in each).
      const clang::Decl* scope = decl;
      if (const auto* templated = llvm::dyn_cast<clang::TemplateDecl>(decl))
        scope = templated->getTemplatedDecl();
      if (const auto* inner = llvm::dyn_cast_or_null<clang::DeclContext>(scope);
          inner &&
          (llvm::isa<clang::NamespaceDecl>(scope) || llvm::isa<clang::LinkageSpecDecl>(scope) ||
           llvm::isa<clang::RecordDecl>(scope)))
        walk(*inner);
    }
  };
  walk(*context.getTranslationUnitDecl());
  return files;
}

// Of a header's entries, the one that declares what it holds: a header
// entered again only for what its guard leaves outside (a version macro, an
// include at its end) is copied whole, its guarded text edited as that entry
// saw it. Nothing when two entries declare something (a header without a
// guard, an X-macro file): one copy could not be edited for both.
std::optional<clang::FileID> declaring_entry(const std::vector<clang::FileID>& entries,
                                             const llvm::DenseSet<clang::FileID>& declaring) {
  std::optional<clang::FileID> found;
  for (clang::FileID entry : entries) {
    if (!declaring.count(entry)) continue;
    if (found) return std::nullopt;
    found = entry;
  }
  return found ? found : entries.front();
}

}  // namespace

HeaderShadows::HeaderShadows(const clang::ASTContext& context, const IncludeSearch& search,
                             const std::vector<MacroTokens::ComputedInclude>& computed,
                             const std::string& project_root, std::string directory,
                             const std::string& preamble_cache)
    : sources_(context.getSourceManager()),
      search_(search),
      root_(real_or_absolute_path(project_root)),
      directory_(absolute_path(directory)),
      preamble_cache_(preamble_cache.empty() ? "" : real_or_absolute_path(preamble_cache)) {
  const clang::SourceManager& sources = sources_;
  main_path_ = real_path_of(sources, sources.getMainFileID());
  for (const MacroTokens::ComputedInclude& include : computed)
    computed_[{real_path_of(sources, include.includer), include.line}] = include.target;
  llvm::DenseSet<clang::FileID> declaring;
  bool any_entered_again = false;
  std::map<std::string, std::vector<clang::FileID>> entered = files_entered(sources);
  for (const auto& [path, ids] : entered) any_entered_again |= ids.size() > 1;
  if (any_entered_again) declaring = files_declaring(context);
  for (auto& [path, ids] : entered) {
    if (path == main_path_ || !below(path, root_)) continue;
    // A precompiled preamble's header stands for the main file's first
    // lines, even in a cache below the root.
    if (!preamble_cache_.empty() && below(path, preamble_cache_)) continue;
    Header& header = headers_[path];
    std::optional<clang::FileID> entry =
        ids.size() == 1 ? ids.front() : declaring_entry(ids, declaring);
    header.id = entry ? *entry : ids.front();
    header.path = path;
    header.project_file = project_relative(path, root_);
    header.reason = why_not_copied(header, entry.has_value(), sources.getBufferData(header.id));
    by_id_[header.id.getHashValue()] = &header;
  }
  // After every header's entry is known: that records computed includes.
  for (auto& [path, header] : headers_)
    header.includes = includes_of(sources.getBufferData(header.id), path);
  // A header that one keeping its original text includes would be entered
  // twice (a `#pragma once` header), or its copy never: whether the
  // directive was followed (entered_from) or skipped (includes).
  for (bool changed = true; changed;) {
    changed = false;
    for (auto& [path, header] : headers_) {
      if (!header.reason.empty()) continue;
      auto includer = std::find_if(headers_.begin(), headers_.end(), [&](const auto& entry) {
        const Header& other = entry.second;
        return !other.reason.empty() &&
               (other.path == header.entered_from ||
                std::count(other.includes.begin(), other.includes.end(), path));
      });
      if (includer == headers_.end()) continue;
      header.reason = "included by " + includer->second.project_file + ", which is not copied";
      changed = true;
    }
  }
}

std::string HeaderShadows::why_not_copied(Header& header, bool one_declaring_entry,
                                          llvm::StringRef text) {
  if (std::string why = opted_out(header.path, text, root_); !why.empty()) return why;
  if (!one_declaring_entry) return "entered more than once by this file, declaring each time";
  if (has_include_next(text)) return "uses #include_next, which a copy elsewhere would change";
  return why_not_entered(header);
}

// A header is entered from the main file (or the preamble's header, which
// stands for its first lines) or from another project header, through a
// directive that its copy's includer can name it by: a header that the
// command line, a library or system header, or a directive softpatch cannot
// rewrite enters keeps its text. A computed `#include MACRO` is rewritten:
// the parse followed it here (a directive that a precompiled preamble
// followed is known only this way), or the preprocessor saw it skipped.
std::string HeaderShadows::why_not_entered(Header& header) {
  clang::SourceLocation include = sources_.getIncludeLoc(header.id);
  if (include.isInvalid()) return "";
  clang::SourceLocation at = sources_.getExpansionLoc(include);
  clang::FileID includer = sources_.getFileID(at);
  std::string path = real_path_of(sources_, includer);
  if (path.empty()) return "included from the command line (-include)";
  bool from_preamble = !preamble_cache_.empty() && below(path, preamble_cache_);
  bool from_main = includer == sources_.getMainFileID() || from_preamble;
  if (!from_main) {
    bool user_file =
        sources_.getSLocEntry(includer).getFile().getFileCharacteristic() == clang::SrcMgr::C_User;
    if (!below(path, root_) || !user_file)
      return "included through " + path + ", which is not the project's";
    header.entered_from = path;
  }
  llvm::StringRef text = sources_.getBufferData(includer);
  size_t offset = sources_.getFileOffset(at);
  size_t start = text.rfind('\n', offset);
  start = start == llvm::StringRef::npos ? 0 : start + 1;
  llvm::StringRef line = text.slice(start, text.find('\n', offset));
  std::optional<IncludeName> name = include_name(line);
  unsigned number = sources_.getExpansionLineNumber(at);
  // The main file's computed includes are known by its own path.
  std::string key = from_main ? main_path_ : path;
  if (!name && is_computed_include(line)) computed_.try_emplace({key, number}, header.path);
  std::string named = name ? resolve(line.slice(name->begin, name->end), name->angled, path)
                           : computed_target(key, number, line);
  if (named != header.path)
    return "entered through an #include that softpatch cannot rewrite (" +
           project_relative(path, root_) + ":" + std::to_string(number) + ")";
  return "";
}

// A computed include is rewritten whole: `#include "<copy>"` in place of
// its line, so the directive must be that one line.
std::string HeaderShadows::computed_target(llvm::StringRef includer, unsigned number,
                                           llvm::StringRef line) const {
  if (line.rtrim().endswith("\\")) return "";
  auto it = computed_.find({includer.str(), number});
  return it == computed_.end() ? "" : it->second;
}

std::string HeaderShadows::resolve(llvm::StringRef name, bool angled,
                                   llvm::StringRef includer) const {
  // Each directive is resolved when the headers are read and again when a
  // copy is written; the file system is asked once.
  std::string key =
      (angled ? "<" : llvm::sys::path::parent_path(includer).str() + "\"") + '\0' + name.str();
  auto [known, added] = resolved_.try_emplace(key);
  if (added) known->second = resolve_uncached(name, angled, includer);
  return known->second;
}

std::string HeaderShadows::resolve_uncached(llvm::StringRef name, bool angled,
                                            llvm::StringRef includer) const {
  auto existing = [](llvm::StringRef directory, llvm::StringRef name) -> std::string {
    llvm::SmallString<256> candidate(directory);
    llvm::sys::path::append(candidate, name);
    return llvm::sys::fs::exists(candidate) ? real_or_absolute_path(candidate) : "";
  };
  if (llvm::sys::path::is_absolute(name)) return real_or_absolute_path(name);
  if (!angled) {
    if (std::string found = existing(llvm::sys::path::parent_path(includer), name); !found.empty())
      return found;
    for (const std::string& directory : search_.quoted)
      if (std::string found = existing(directory, name); !found.empty()) return found;
  }
  for (const std::string& directory : search_.angled)
    if (std::string found = existing(directory, name); !found.empty()) return found;
  return "";
}

std::vector<std::string> HeaderShadows::includes_of(llvm::StringRef text,
                                                    llvm::StringRef original) const {
  std::vector<std::string> found;
  while (!text.empty()) {
    auto [line, rest] = text.split('\n');
    text = rest;
    std::optional<IncludeName> name = include_name(line);
    if (!name) continue;
    std::string path = resolve(line.slice(name->begin, name->end), name->angled, original);
    if (below(path, root_)) found.push_back(path);
  }
  for (const auto& [place, target] : computed_)
    if (place.first == original && below(target, root_)) found.push_back(target);
  return found;
}

const HeaderShadows::Header* HeaderShadows::find(clang::FileID file) const {
  auto it = by_id_.find(file.getHashValue());
  return it == by_id_.end() ? nullptr : it->second;
}

bool HeaderShadows::is_project_header(clang::FileID file) const { return find(file) != nullptr; }

std::vector<clang::FileID> HeaderShadows::copyable() const {
  std::vector<clang::FileID> files;
  for (const auto& [path, header] : headers_)
    if (header.reason.empty()) files.push_back(header.id);
  return files;
}

std::optional<std::string> HeaderShadows::why_not(clang::FileID file) const {
  const Header* header = find(file);
  if (!header) return std::string();
  if (header->reason.empty()) return std::nullopt;
  return header->reason;
}

std::string HeaderShadows::project_file(clang::FileID file) const {
  const Header* header = find(file);
  return header ? header->project_file : "";
}

std::string HeaderShadows::main_project_file() const { return project_relative(main_path_, root_); }

std::string HeaderShadows::path(clang::FileID file) const {
  const Header* header = find(file);
  return header ? header->path : "";
}

void HeaderShadows::shadow(const std::set<clang::FileID>& edited) {
  for (auto& [path, header] : headers_)
    header.shadowed = header.reason.empty() && edited.count(header.id);
  for (bool changed = true; changed;) {
    changed = false;
    for (auto& [path, header] : headers_) {
      if (header.shadowed || !header.reason.empty()) continue;
      for (const std::string& included : header.includes) {
        auto it = headers_.find(included);
        if (it == headers_.end() || !it->second.shadowed) continue;
        header.shadowed = changed = true;
        break;
      }
    }
  }
}

std::string shadow_file_name(llvm::StringRef real_path) {
  return text_hash(real_path) + "-" + llvm::sys::path::filename(real_path).str();
}

std::string HeaderShadows::shadow_path(const Header& header) const {
  return directory_ + "/" + shadow_file_name(header.path);
}

std::string HeaderShadows::with_shadow_includes(llvm::StringRef text,
                                                llvm::StringRef original) const {
  return rewrite_includes(text, original, main_path_);
}

std::string HeaderShadows::rewrite_includes(llvm::StringRef text, llvm::StringRef original,
                                            llvm::StringRef includer) const {
  std::string out;
  out.reserve(text.size() + 256);
  for (unsigned number = 1; !text.empty(); ++number) {
    auto [line, rest] = text.split('\n');
    std::optional<IncludeName> name = include_name(line);
    auto it =
        headers_.find(name ? resolve(line.slice(name->begin, name->end), name->angled, original)
                           : computed_target(includer, number, line));
    // Include names take no escapes: the path goes in as it is.
    if (it != headers_.end() && it->second.shadowed && name)
      out += (line.take_front(name->begin - 1) + "\"" + shadow_path(it->second) + "\"" +
              line.drop_front(name->end + 1))
                 .str();
    else if (it != headers_.end() && it->second.shadowed)
      out += "#include \"" + shadow_path(it->second) + "\"";
    else
      out += line.str();
    if (text.size() > line.size()) out += '\n';
    text = rest;
  }
  return out;
}

std::vector<ShadowHeader> HeaderShadows::shadows(const clang::Rewriter& rewriter) const {
  std::vector<ShadowHeader> out;
  for (const auto& [path, header] : headers_) {
    if (!header.shadowed) continue;
    // The name the entry was opened by (the compiler's name of it), not
    // the file's latest: Clang 14 gives a file the name of its last lookup,
    // which a precompiled preamble changes. Its `.` parts go: a preamble
    // names a header found through `-I dir/.` without them.
    llvm::SmallString<256> name(sources_.getSLocEntry(header.id).getFile().getName());
    llvm::sys::path::remove_dots(name, /*remove_dot_dot=*/false);
    std::string text =
        with_absolute_quote_includes(rewrite_includes(edited_text(rewriter, header.id), path, path),
                                     llvm::sys::path::parent_path(path));
    out.push_back({path, shadow_path(header),
                   "#line 1 " + quoted(name.empty() ? path : name.str().str()) + "\n" + text});
  }
  return out;
}

void HeaderShadows::move_under_content_name(const clang::Rewriter& rewriter) {
  // Framed by lengths: no two sets of copies hash one text.
  std::string all;
  for (const ShadowHeader& header : shadows(rewriter))
    for (const std::string* part : {&header.path, &header.text})
      all += std::to_string(part->size()) + ":" + *part;
  directory_ += "/" + text_hash(all);
}

llvm::Error write_header_copies(const std::vector<ShadowHeader>& headers) {
  for (const ShadowHeader& header : headers) {
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> there =
        llvm::MemoryBuffer::getFile(header.path);
    if (there && (*there)->getBuffer() == header.text) continue;
    if (std::error_code error =
            llvm::sys::fs::create_directories(llvm::sys::path::parent_path(header.path)))
      return llvm::createStringError(
          error, "cannot make the directory of " + header.path + ": " + error.message());
    Result<std::string> written = cache::write_atomically(header.path, header.text);
    if (!written)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "cannot write " + header.path + ": " + written.take_error().message);
  }
  return llvm::Error::success();
}

}  // namespace softpatch::rewriter
