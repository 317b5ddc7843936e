#include "quote_includes.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

namespace softpatch::rewriter {
namespace {

// The quoted name of an `#include "name"` line, or empty.
llvm::StringRef quoted_include(llvm::StringRef line) {
  llvm::StringRef rest = line.ltrim();
  if (!rest.consume_front("#")) return {};
  rest = rest.ltrim();
  if (!rest.consume_front("include")) return {};
  rest = rest.ltrim();
  if (!rest.consume_front("\"")) return {};
  size_t end = rest.find('"');
  return end == llvm::StringRef::npos ? llvm::StringRef() : rest.take_front(end);
}

}  // namespace

std::string with_absolute_quote_includes(llvm::StringRef text, llvm::StringRef directory) {
  std::string out;
  out.reserve(text.size() + 256);
  while (!text.empty()) {
    auto [line, rest] = text.split('\n');
    llvm::StringRef name = quoted_include(line);
    llvm::SmallString<256> resolved(directory);
    llvm::sys::path::append(resolved, name);
    if (!name.empty() && !llvm::sys::path::is_absolute(name) && llvm::sys::fs::exists(resolved)) {
      size_t at = line.find(name);
      out += line.take_front(at).str() + resolved.str().str() +
             line.drop_front(at + name.size()).str();
    } else {
      out += line.str();
    }
    if (text.size() > line.size()) out += '\n';
    text = rest;
  }
  return out;
}

std::string include_directive(llvm::StringRef path) { return "#include \"" + path.str() + "\""; }

}  // namespace softpatch::rewriter
