#include "source_text.h"

#include "clang/Basic/SourceManager.h"
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

}  // namespace softpatch::rewriter
