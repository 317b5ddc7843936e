// Insertions into the main file, wherever the code they attach to came from:
// text written in the file is edited in place; a macro invocation that
// produced code to edit is replaced by its expansion, written out as tokens
// with the insertions among them, on the invocation's first line (blank
// lines keep every later line where it was).
#ifndef SOFTPATCH_REWRITER_TEXT_EDITS_H
#define SOFTPATCH_REWRITER_TEXT_EDITS_H

#include <map>
#include <set>
#include <string>
#include <vector>

#include "clang/Rewrite/Core/Rewriter.h"

#include "macro_tokens.h"

namespace softpatch::rewriter {

class TextEdits {
 public:
  TextEdits(clang::Rewriter& rewriter, const MacroTokens& macro_tokens)
      : rewriter_(rewriter), macro_tokens_(macro_tokens) {}

  // Whether an insertion can be made at `location`: text of the main file
  // or of a file allowed with allow_file(), or a token of a main-file macro
  // expansion that the parser saw.
  bool can_edit(clang::SourceLocation location) const;
  // Lets the edits reach `file` too (a project header that gets a copy).
  void allow_file(clang::FileID file) { allowed_.insert(file); }

  // Insert before the token at `location`, or after it.
  void insert_before(clang::SourceLocation location, std::string text);
  void insert_after(clang::SourceLocation location, std::string text);

  // Removes the text of `range` (file locations only), keeping its line
  // breaks so nothing after it moves. False if the range is not plain text.
  bool blank(clang::CharSourceRange range);

  // Replaces the text of `range` (file locations only) by `text`, followed
  // by the range's line breaks. False if the range is not plain text.
  bool replace(clang::CharSourceRange range, const std::string& text);

  // Writes out the macro expansions that received insertions. Call once,
  // after all insertions.
  void finish();

 private:
  struct Around {
    std::string before, after;
  };
  void add(clang::SourceLocation location, std::string text, bool after);

  clang::Rewriter& rewriter_;
  const MacroTokens& macro_tokens_;
  std::set<clang::FileID> allowed_;
  // A macro invocation in the file and the insertions around its tokens.
  struct Invocation {
    clang::CharSourceRange range;
    std::map<clang::SourceLocation::UIntTy, Around> edits;
  };
  std::map<clang::SourceLocation, Invocation> in_macros_;  // by the invocation's start
};

}  // namespace softpatch::rewriter

#endif  // SOFTPATCH_REWRITER_TEXT_EDITS_H
