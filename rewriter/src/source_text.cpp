#include "source_text.h"

#include "clang/Basic/SourceManager.h"
#include "clang/Lex/Lexer.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

namespace softpatch::rewriter {

std::string quoted(llvm::StringRef text) {
  std::string out = "\"";
  llvm::raw_string_ostream stream(out);
  for (unsigned char c : text) {
    if (c == '"' || c == '\\')
      stream << '\\' << c;
    else if (c < 0x20 || c >= 0x7f)
      stream << llvm::format("\\%03o", c);  // octal escapes never swallow the next char
    else
      stream << c;
  }
  stream << '"';
  return stream.str();
}

std::string edited_text(const clang::Rewriter& rewriter, clang::FileID file) {
  const clang::RewriteBuffer* edited = rewriter.getRewriteBufferFor(file);
  std::string text = edited ? std::string(edited->begin(), edited->end())
                            : rewriter.getSourceMgr().getBufferData(file).str();
  if (llvm::StringRef(text).startswith("\xEF\xBB\xBF")) text.erase(0, 3);
  if (!text.empty() && text.back() != '\n') text += '\n';
  return text;
}

namespace {

// A word that a builtin type may have more of (`unsigned long long int`).
bool builtin_type_word(llvm::StringRef word) {
  return llvm::StringSwitch<bool>(word)
      .Cases("long", "short", "int", "signed", "unsigned", "char", "double", "float", true)
      .Cases("_Complex", "__int128", "__signed", "__signed__", true)
      .Default(false);
}

llvm::StringRef raw_word_at(clang::SourceLocation at, const clang::SourceManager& sources,
                            const clang::LangOptions& language) {
  clang::Token token;
  if (clang::Lexer::getRawToken(at, token, sources, language, /*IgnoreWhiteSpace=*/true) ||
      !token.is(clang::tok::raw_identifier))
    return "";
  return token.getRawIdentifier();
}

}  // namespace

std::optional<std::string> written_type_text(clang::TypeLoc type,
                                             const clang::SourceManager& sources,
                                             const clang::LangOptions& language) {
  clang::SourceRange range = type.getSourceRange();
  if (range.isInvalid() || range.getBegin().isMacroID() || range.getEnd().isMacroID())
    return std::nullopt;
  clang::SourceLocation end = range.getEnd();
  if (builtin_type_word(raw_word_at(end, sources, language)))
    while (true) {
      auto token = clang::Lexer::findNextToken(end, sources, language);  // llvm::Optional before 17
      if (!token || !token->is(clang::tok::raw_identifier) ||
          !builtin_type_word(token->getRawIdentifier()))
        break;
      end = token->getLocation();
    }
  bool invalid = false;
  llvm::StringRef text = clang::Lexer::getSourceText(
      clang::CharSourceRange::getTokenRange(range.getBegin(), end), sources, language, &invalid);
  if (invalid || text.empty()) return std::nullopt;
  return text.str();
}

}  // namespace softpatch::rewriter
