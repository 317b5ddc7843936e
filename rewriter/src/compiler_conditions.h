// Code that the rewriter's Clang and the project's compiler may preprocess
// differently. The rewriter parses every file with its own Clang, whose
// predefined macros and feature tests (`__clang__`, `__GNUC__`,
// `__has_feature`) are not g++'s, nor another Clang's: a function inside an
// `#if` that tests one of them may be the one Clang sees and not the one the
// compiler builds. Its trampoline would then be compiled out while its slot
// is registered, and a patch of it would be switched in and never run. Such
// functions get no slot.
#ifndef SOFTPATCH_REWRITER_COMPILER_CONDITIONS_H
#define SOFTPATCH_REWRITER_COMPILER_CONDITIONS_H

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "clang/Basic/SourceManager.h"
#include "clang/Lex/Preprocessor.h"
#include "llvm/ADT/DenseMap.h"

namespace softpatch::rewriter {

class CompilerConditions {
 public:
  // `compiler_predefines` is what the project's compiler says with
  // `-dM -E` ("" when it could not be asked: then every macro that tells
  // compilers apart counts). Macro definitions are read from `preprocessor`
  // as they stand when the file ends.
  CompilerConditions(clang::Preprocessor& preprocessor, const std::string& compiler_predefines);

  // The name that makes an `#if` around `location` depend on the compiler,
  // or nullopt when none does: in the file its expansion is in, and around
  // each #include that entered that file.
  std::optional<std::string> dependence(clang::SourceLocation location) const;

 private:
  // An #if ... #endif: the offsets it spans, and the identifiers its #if
  // and #elif lines name.
  struct Chain {
    unsigned begin, end;
    std::vector<std::string> names;
  };
  const std::vector<Chain>& chains_of(clang::FileID file) const;
  bool tells_compilers_apart(const std::string& name) const;

  clang::Preprocessor& preprocessor_;  // (for names a precompiled preamble holds)
  std::set<std::string> differing_;    // macros and feature tests of one compiler, or both unlike
  mutable std::map<std::string, bool> decided_;                  // by macro name
  mutable llvm::DenseMap<unsigned, std::vector<Chain>> chains_;  // by FileID
};

}  // namespace softpatch::rewriter

#endif  // SOFTPATCH_REWRITER_COMPILER_CONDITIONS_H
