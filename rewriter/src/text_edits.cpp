#include "text_edits.h"

#include <algorithm>

namespace softpatch::rewriter {

bool TextEdits::can_edit(clang::SourceLocation location) const {
  const clang::SourceManager& sources = rewriter_.getSourceMgr();
  if (location.isFileID())
    return sources.isInMainFile(location) || allowed_.count(sources.getFileID(location));
  return macro_tokens_.has_token_at(location);
}

void TextEdits::insert_before(clang::SourceLocation location, std::string text) {
  add(location, std::move(text), /*after=*/false);
}

void TextEdits::insert_after(clang::SourceLocation location, std::string text) {
  add(location, std::move(text), /*after=*/true);
}

void TextEdits::add(clang::SourceLocation location, std::string text, bool after) {
  if (location.isFileID()) {
    if (after)
      rewriter_.InsertTextAfterToken(location, text);
    else
      rewriter_.InsertTextBefore(location, text);
    return;
  }
  clang::CharSourceRange range = rewriter_.getSourceMgr().getExpansionRange(location);
  Invocation& invocation = in_macros_[range.getBegin()];
  invocation.range = range;
  Around& around = invocation.edits[location.getRawEncoding()];
  (after ? around.after : around.before) += text;
}

bool TextEdits::blank(clang::CharSourceRange range) { return replace(range, ""); }

bool TextEdits::replace(clang::CharSourceRange range, const std::string& text) {
  if (range.getBegin().isMacroID() || range.getEnd().isMacroID()) return false;
  std::string original = rewriter_.getRewrittenText(range);
  rewriter_.ReplaceText(
      range, text + std::string(std::count(original.begin(), original.end(), '\n'), '\n'));
  return true;
}

void TextEdits::finish() {
  for (const auto& [start, invocation] : in_macros_) {
    std::string text;
    for (const MacroTokens::Spelled& token : macro_tokens_.expansion_at(start)) {
      auto it = invocation.edits.find(token.location.getRawEncoding());
      if (it != invocation.edits.end()) text += it->second.before;
      text += token.text + " ";
      if (it != invocation.edits.end()) text += it->second.after;
    }
    std::string original = rewriter_.getRewrittenText(invocation.range);
    text.append(std::count(original.begin(), original.end(), '\n'), '\n');
    rewriter_.ReplaceText(invocation.range, text);
  }
  in_macros_.clear();
}

}  // namespace softpatch::rewriter
