// Quote includes of a file that is compiled from somewhere else (the
// instrumented copy, a precompiled preamble): `#include "x.h"` is searched
// first in the directory of the file being compiled, so it must name the
// original's directory itself. Adding that directory with -iquote instead
// would also change what headers elsewhere find.
#ifndef SOFTPATCH_REWRITER_QUOTE_INCLUDES_H
#define SOFTPATCH_REWRITER_QUOTE_INCLUDES_H

#include <string>

#include "llvm/ADT/StringRef.h"

namespace softpatch::rewriter {

// `text` with each `#include "relative"` that names a file in `directory`
// turned into `#include "<directory>/relative"`; lines keep their place.
std::string with_absolute_quote_includes(llvm::StringRef text, llvm::StringRef directory);

// `#include "path"`, for a path written as is (include names take no escapes).
std::string include_directive(llvm::StringRef path);

}  // namespace softpatch::rewriter

#endif  // SOFTPATCH_REWRITER_QUOTE_INCLUDES_H
