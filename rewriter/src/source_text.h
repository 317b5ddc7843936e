// Small helpers for emitting C++ source text.
#ifndef SOFTPATCH_REWRITER_SOURCE_TEXT_H
#define SOFTPATCH_REWRITER_SOURCE_TEXT_H

#include <string>

#include "llvm/ADT/StringRef.h"

namespace softpatch::rewriter {

// `text` as a C++ string literal, quotes included.
std::string quoted(llvm::StringRef text);

}  // namespace softpatch::rewriter

#endif  // SOFTPATCH_REWRITER_SOURCE_TEXT_H
