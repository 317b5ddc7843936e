// Instrument mode of the rewriter: turns one C++ source file into a copy in
// which every eligible function definition starts with a soft-mock trampoline,
// with line numbers unchanged.
//
//   softpatch::rewriter::InstrumentOptions options;
//   options.project_root = "/src/app";
//   options.runtime_header = "/usr/include/softpatch/internal/instrument.h";
//   llvm::Expected<InstrumentedFile> out =
//       instrument_file("/src/app/store.cpp", {"g++", "-std=c++17", "-Iinclude"}, options);
//   if (!out) return out.takeError();
//   write(out->source);  // compile this in place of store.cpp
//
// What is and is not instrumented, and why, is in InstrumentedFile::skipped;
// `softpatch-rewrite --explain FILE` prints it.
#ifndef SOFTPATCH_REWRITER_INSTRUMENTER_H
#define SOFTPATCH_REWRITER_INSTRUMENTER_H

#include <string>
#include <vector>

#include "softpatch/changes/code_fingerprint.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace softpatch::rewriter {

struct InstrumentOptions {
  // Internal-linkage ids are prefixed with the file's path relative to this.
  std::string project_root;
  // Absolute path of softpatch/internal/instrument.h, included by the copy.
  std::string runtime_header;
  // Where precompiled preambles are kept (see PreambleCache); "" for none.
  std::string preamble_cache;
  // Where the instrumented copies of the project's headers go (one
  // directory per object file: no other compile may write there); "" to
  // instrument the main file alone.
  std::string shadow_directory;
  // Where the compile command runs (its relative paths resolve there); ""
  // for this process's working directory.
  std::string working_directory;
};

// A function that received a trampoline.
struct InstrumentedFunction {
  std::string id;         // stable: mangled name, file-prefixed when internal
  std::string name;       // readable: "ns::Counter::add(int) const"
  std::string qualified;  // as SkippedFunction::name spells it: "ns::Counter::add"
  std::string type;       // as SkippedFunction::type spells it: "int (int)"
  std::string signature;  // canonical type of the slot target
  unsigned line = 0;
  std::string file;  // the header it is defined in, or "" for the file itself
  // One instantiation of a template, which its template's entry (id "")
  // counts as a definition.
  bool instantiation = false;
  // Hidden in the module the file goes into (internal::kOwnCopy): a header
  // function's slot is then the module's own.
  bool own_copy = false;
  bool nothrow = false;  // its type is noexcept (internal::kNoexcept)
};

// A function definition that was left alone, and why.
struct SkippedFunction {
  std::string name;
  unsigned line = 0;
  std::string reason;
  std::string file;            // the header it is defined in, or "" for the file itself
  std::string type;            // as declared ("int (int) const"): overloads on one line differ
  bool instantiation = false;  // as InstrumentedFunction::instantiation
};

// The instrumented copy of one of the project's headers, which the copy of
// the file includes in its place: write `text` to `path` before compiling.
struct ShadowHeader {
  std::string original;  // the header's real path
  std::string path;      // in InstrumentOptions::shadow_directory
  std::string text;
};

// The name of the copy of the header at `real_path` in a shadow directory
// ("<hash of the path>-<file name>"): a file of the build instruments the
// header when its shadow directory holds one.
std::string shadow_file_name(llvm::StringRef real_path);

struct InstrumentedFile {
  // Why the whole file is left alone (`// softpatch: skip-file`, a
  // .softpatch-skip directory), or empty; `source` is then the original.
  std::string opted_out;
  std::string source;                 // the rewritten file, ready to compile
  std::vector<ShadowHeader> headers;  // the copies `source` includes
  std::vector<InstrumentedFunction> functions;
  std::vector<SkippedFunction> skipped;
  unsigned variables = 0;             // mutable internal-linkage variables recorded
  std::vector<CodeFingerprint> code;  // the file's code, piece by piece, as recorded in it
  enum class Preamble { kParsed, kBuilt, kReused };
  Preamble preamble = Preamble::kParsed;  // how the file's leading #includes were handled
};

// Writes each copy to its path (its directory made if need be), each whole
// under its final name; a copy that is already there as it would be is left
// alone, so a precompiled preamble that includes it stays valid.
llvm::Error write_header_copies(const std::vector<ShadowHeader>& headers);

// Parses `file` with `compiler_command` (a compiler command line for it, as
// found in compile_commands.json or given to softpatch-cc) and instruments it.
// Fails with the first compiler error when Clang cannot parse the file.
// A command without -std= is parsed with the compiler's default standard.
llvm::Expected<InstrumentedFile> instrument_file(llvm::StringRef file,
                                                 llvm::ArrayRef<std::string> compiler_command,
                                                 const InstrumentOptions& options);

// Marks a directory (and what is below it, up to the project root) as not to
// be instrumented.
inline constexpr const char kSkipDirectoryFile[] = ".softpatch-skip";

// Why `file` is not to be instrumented at all, or empty.
std::string opted_out(llvm::StringRef file, llvm::StringRef project_root);
// The same for a file whose text is `text`, already read.
std::string opted_out(llvm::StringRef file, llvm::StringRef text, llvm::StringRef project_root);

}  // namespace softpatch::rewriter

#endif  // SOFTPATCH_REWRITER_INSTRUMENTER_H
