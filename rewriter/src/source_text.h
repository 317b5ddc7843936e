// Small helpers for emitting C++ source text.
#ifndef SOFTPATCH_REWRITER_SOURCE_TEXT_H
#define SOFTPATCH_REWRITER_SOURCE_TEXT_H

#include <string>

#include "clang/Rewrite/Core/Rewriter.h"
#include "llvm/ADT/StringRef.h"

namespace softpatch::rewriter {

// `text` as a C++ string literal, quotes included.
std::string quoted(llvm::StringRef text);

// The text of `file` with the rewriter's edits, to be compiled after lines
// softpatch puts first: without a UTF-8 byte order mark (which is only
// allowed at the start of a file), ending with a newline.
std::string edited_text(const clang::Rewriter& rewriter, clang::FileID file);

}  // namespace softpatch::rewriter

#endif  // SOFTPATCH_REWRITER_SOURCE_TEXT_H
