// Parsing a file with Clang for either mode: the command line, the preamble
// cache, the macro tokens, and the first error as one line.
#ifndef SOFTPATCH_REWRITER_PARSE_FILE_H
#define SOFTPATCH_REWRITER_PARSE_FILE_H

#include <functional>
#include <string>
#include <vector>

#include "clang/AST/ASTContext.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include "findings.h"
#include "macro_tokens.h"
#include "softpatch/rewriter/instrumenter.h"

namespace softpatch::rewriter {

// Called once, when the file parsed without errors.
using ParsedHandler = std::function<void(clang::ASTContext&, const Findings&, const MacroTokens&)>;

// Parses `file` as `compiler_command` would compile it, run in
// `working_directory` ("": this process's; relative paths in the command
// are resolved there, and this process's own directory is never changed),
// with a precompiled preamble from `preamble_cache` when there is one, and
// hands the result to `handler`. Returns how the preamble was handled, or
// Clang's first error. Function bodies outside the main file are skipped,
// except in files below `bodies_under` (the project root, whose headers are
// instrumented too; "" for none).
llvm::Expected<InstrumentedFile::Preamble> parse_file(llvm::StringRef file,
                                                      llvm::ArrayRef<std::string> compiler_command,
                                                      const std::string& working_directory,
                                                      const std::string& preamble_cache,
                                                      const ParsedHandler& handler,
                                                      bool preamble_at_first_sight = false,
                                                      const std::string& bodies_under = "");

// A file manager whose relative paths resolve in `working_directory` (""
// for this process's), through a file system of its own.
llvm::IntrusiveRefCntPtr<clang::FileManager> file_manager_in(const std::string& working_directory);

// `file` made absolute (not resolving links).
std::string absolute_path(llvm::StringRef file);

// `file` with links resolved, or made absolute if it does not exist.
std::string real_or_absolute_path(llvm::StringRef file);

// The real path of the file `file` holds, as the parse's own file system
// resolves it (relative names in the compile's working directory), or "".
std::string real_path_of(const clang::SourceManager& sources, clang::FileID file);

// The path of `file` relative to `root`, or its real path if it is outside.
std::string project_relative(llvm::StringRef file, llvm::StringRef root);

}  // namespace softpatch::rewriter

#endif  // SOFTPATCH_REWRITER_PARSE_FILE_H
