// The project's headers that one translation unit instruments, and their
// instrumented copies ("shadows"). A shadow is written per object file, so
// no compile reads what another writes; it begins with `#line 1 "<the
// header's name as found>"`, so diagnostics, __FILE__, assert and debug
// info name the user's header and its lines; and the copy of the main file
// and every shadow include a shadow wherever the original included its
// header (the directives are rewritten, not the search path: a
// `#pragma once` header must be entered through one file only).
#ifndef SOFTPATCH_REWRITER_HEADER_SHADOWS_H
#define SOFTPATCH_REWRITER_HEADER_SHADOWS_H

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "clang/AST/ASTContext.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Rewrite/Core/Rewriter.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include "findings.h"
#include "macro_tokens.h"
#include "softpatch/rewriter/instrumenter.h"

namespace softpatch::rewriter {

class HeaderShadows {
 public:
  // Looks at every project header `sources` holds (below `project_root`,
  // not a system header, not the main file); shadows go in `directory`. A parse with a
  // precompiled preamble from `preamble_cache` enters the main file's
  // leading includes from the preamble's header there.
  // `computed` are the includes whose name a macro gave, as the parse saw
  // them (a directive's text does not say where they lead).
  HeaderShadows(const clang::ASTContext& context, const IncludeSearch& search,
                const std::vector<MacroTokens::ComputedInclude>& computed,
                const std::string& project_root, std::string directory,
                const std::string& preamble_cache);

  // Why the functions of `file` cannot be instrumented in this translation
  // unit, or nullopt when they can. Not a project header: "".
  std::optional<std::string> why_not(clang::FileID file) const;
  bool is_project_header(clang::FileID file) const;
  // The headers whose functions can be instrumented (why_not() is nullopt).
  std::vector<clang::FileID> copyable() const;
  // The header's path relative to the project root, and its real path.
  std::string project_file(clang::FileID file) const;
  std::string path(clang::FileID file) const;
  // The main file's path relative to the project root.
  std::string main_project_file() const;

  // `text`, the main file's once edited, with each include of a header that
  // shadow() chose naming its shadow instead. `original` is the file's own
  // path (the original's, for a patch parsed from a copy): its quote
  // includes are looked up next to it.
  std::string with_shadow_includes(llvm::StringRef text, llvm::StringRef original) const;

  // Decides which headers get a shadow: the edited ones and every project
  // header on a path of includes to them. Call once, after editing.
  void shadow(const std::set<clang::FileID>& edited);
  // The shadows to write, each with the rewriter's edits of its header.
  std::vector<ShadowHeader> shadows(const clang::Rewriter& rewriter) const;
  // Puts the shadows in a subdirectory of theirs named by what shadows()
  // writes: copies that differ never share a path. Call once, after
  // shadow().
  void move_under_content_name(const clang::Rewriter& rewriter);

 private:
  struct Header {
    clang::FileID id;
    std::string path;  // real path
    std::string project_file;
    std::string reason;                 // why it cannot be shadowed, or empty
    std::vector<std::string> includes;  // real paths its directives resolve to
    std::string entered_from;           // the project header whose directive entered it, or ""
    bool shadowed = false;
  };

  std::string resolve(llvm::StringRef name, bool angled, llvm::StringRef includer) const;
  std::string resolve_uncached(llvm::StringRef name, bool angled, llvm::StringRef includer) const;
  std::vector<std::string> includes_of(llvm::StringRef text, llvm::StringRef original) const;
  std::string computed_target(llvm::StringRef includer, unsigned number,
                              llvm::StringRef line) const;
  std::string why_not_copied(Header& header, bool one_declaring_entry, llvm::StringRef text);
  std::string why_not_entered(Header& header);
  std::string rewrite_includes(llvm::StringRef text, llvm::StringRef original,
                               llvm::StringRef includer) const;
  std::string shadow_path(const Header& header) const;
  const Header* find(clang::FileID file) const;

  const clang::SourceManager& sources_;
  IncludeSearch search_;
  std::string root_;
  std::string directory_;
  std::string preamble_cache_;
  std::string main_path_;
  std::map<std::string, Header> headers_;                // by real path
  llvm::DenseMap<unsigned, const Header*> by_id_;        // the same, by file id
  mutable std::map<std::string, std::string> resolved_;  // include directives, by resolve()'s key
  // Computed includes' targets, by the real path of the includer and line.
  std::map<std::pair<std::string, unsigned>, std::string> computed_;
};

}  // namespace softpatch::rewriter

#endif  // SOFTPATCH_REWRITER_HEADER_SHADOWS_H
