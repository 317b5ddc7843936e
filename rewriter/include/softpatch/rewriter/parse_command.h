// Turns a compiler command line (g++ or clang++, as a build system runs it)
// into the command line Clang's front end needs to parse the same file.
#ifndef SOFTPATCH_REWRITER_PARSE_COMMAND_H
#define SOFTPATCH_REWRITER_PARSE_COMMAND_H

#include <string>
#include <vector>

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

namespace softpatch::rewriter {

// Keeps what changes the meaning of the code (-D, -I, -std, -include, -f...),
// drops outputs, dependency files, warnings and options Clang does not know,
// and names `file` as the only input. compiler_command[0] is the compiler.
std::vector<std::string> parse_command(llvm::ArrayRef<std::string> compiler_command,
                                       llvm::StringRef file);

// The first line of compiler output `diagnostics` that reports an error
// (else its first line), at most 300 characters: what one-line messages show.
std::string first_error_line(llvm::StringRef diagnostics);

// The macros the command's compiler predefines with its options (`-dM -E`),
// asked once per process and options, and kept in the cache directory
// (cache::default_directory()) for other processes, by the compiler's file,
// size and modification time; "" if it cannot be run.
std::string compiler_predefines(llvm::ArrayRef<std::string> compiler_command);

// The -std= option for the standard `compiler` uses when a command names
// none (g++ 12: gnu++17, clang++ 14: gnu++14), asked of the compiler once
// per process; "" if it cannot tell.
std::string default_standard(const std::string& compiler);

}  // namespace softpatch::rewriter

#endif  // SOFTPATCH_REWRITER_PARSE_COMMAND_H
