// The tokens that macro invocations in the main file expanded to, recorded
// while the file is parsed, so that code produced by a macro can be written
// out as text and edited like code written by hand.
#ifndef SOFTPATCH_REWRITER_MACRO_TOKENS_H
#define SOFTPATCH_REWRITER_MACRO_TOKENS_H

#include <string>
#include <vector>

#include "clang/Basic/SourceManager.h"
#include "clang/Lex/Preprocessor.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

namespace softpatch::rewriter {

class MacroTokens {
 public:
  // Starts recording; `preprocessor` must outlive this object's use.
  void attach(clang::Preprocessor& preprocessor);

  // True when the token at `location` (inside a main-file macro expansion)
  // was seen by the parser.
  bool has_token_at(clang::SourceLocation location) const;

  // True when `offset` of the main file lies in code that an #if, #ifdef
  // or #else left out.
  bool skipped(unsigned offset) const;

  struct Spelled {
    clang::SourceLocation location;
    std::string text;
  };
  // The tokens of the top-level expansion whose invocation starts at
  // `invocation_start` (a file location), in order.
  std::vector<Spelled> expansion_at(clang::SourceLocation invocation_start) const;

  // The definition of macro `name` where the parse ended (its parameters
  // and replacement tokens, spelled), or "" when it names no macro then.
  // Call while the parse's preprocessor lives.
  std::string definition_of(llvm::StringRef name) const;

  // An #include whose name a macro gave (`#include PUGIXML_SOURCE`), in any
  // file: the file it is in, its line there, and the real path of the file
  // it named.
  struct ComputedInclude {
    clang::FileID includer;
    unsigned line;
    std::string target;
  };
  const std::vector<ComputedInclude>& computed_includes() const { return computed_includes_; }

 private:
  void record(const clang::Token& token);

  clang::Preprocessor* preprocessor_ = nullptr;
  std::vector<Spelled> tokens_;  // in the order the parser first saw them
  // Indexes into tokens_, by the raw encoding of their invocation.
  llvm::DenseMap<clang::SourceLocation::UIntTy, std::vector<unsigned>> by_invocation_;
  llvm::DenseSet<clang::SourceLocation::UIntTy> seen_;
  // Invocations that produced tokens with no spelling (_Pragma, for one):
  // writing them out as text would lose those, so they are not edited.
  llvm::DenseSet<clang::SourceLocation::UIntTy> unprintable_;
  std::vector<std::pair<unsigned, unsigned>> skipped_;  // main-file offsets, in order
  std::vector<ComputedInclude> computed_includes_;
};

}  // namespace softpatch::rewriter

#endif  // SOFTPATCH_REWRITER_MACRO_TOKENS_H
