// Small helpers for emitting C++ source text.
#ifndef SOFTPATCH_REWRITER_SOURCE_TEXT_H
#define SOFTPATCH_REWRITER_SOURCE_TEXT_H

#include <optional>
#include <string>

#include "clang/AST/TypeLoc.h"
#include "clang/Rewrite/Core/Rewriter.h"
#include "llvm/ADT/StringRef.h"

namespace softpatch::rewriter {

// `text` as a C++ string literal, quotes included.
std::string quoted(llvm::StringRef text);

// The text of `file` with the rewriter's edits, to be compiled after lines
// softpatch puts first: without a UTF-8 byte order mark (which is only
// allowed at the start of a file), ending with a newline.
std::string edited_text(const clang::Rewriter& rewriter, clang::FileID file);

// The text of `type` as written; nothing when a macro writes part of it.
// A precompiled preamble keeps one location of a builtin type, so the range
// of `long long` or `long double` ends at its first word there: the words
// of a builtin type that follow the range's last one are taken too.
std::optional<std::string> written_type_text(clang::TypeLoc type,
                                             const clang::SourceManager& sources,
                                             const clang::LangOptions& language);

}  // namespace softpatch::rewriter

#endif  // SOFTPATCH_REWRITER_SOURCE_TEXT_H
