// Which function bodies a parse of a file looks at: the main file's and
// those of the project's own headers. The others are skipped, which keeps a
// parse well below the cost of compiling the file. A precompiled preamble
// is built skipping the same ones, so a parse through it completes the same
// template instantiations as a parse without it (a library template's body,
// parsed, instantiates the project's templates it calls).
//
//   ParsedBodies bodies(sources, root);
//   bool ConsumerX::shouldSkipFunctionBody(clang::Decl* d) { return !bodies.parsed(*d); }
#ifndef SOFTPATCH_REWRITER_PARSED_BODIES_H
#define SOFTPATCH_REWRITER_PARSED_BODIES_H

#include <memory>
#include <string>

#include "clang/AST/ASTConsumer.h"
#include "clang/AST/DeclBase.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/ADT/DenseMap.h"

namespace softpatch::rewriter {

class ParsedBodies {
 public:
  // `root`: the project's real path; "" parses the main file's bodies only.
  ParsedBodies(const clang::SourceManager& sources, std::string root)
      : sources_(sources), root_(std::move(root)) {}

  // Whether the body of `decl` is parsed.
  bool parsed(const clang::Decl& decl);

 private:
  const clang::SourceManager& sources_;
  std::string root_;
  llvm::DenseMap<unsigned, bool> in_project_;  // by FileID
};

// A consumer that only says which bodies to skip, for a multiplexing
// consumer (a precompiled preamble's build) to ask with the others.
std::unique_ptr<clang::ASTConsumer> skipping_unparsed_bodies(const clang::SourceManager& sources,
                                                             std::string root);

}  // namespace softpatch::rewriter

#endif  // SOFTPATCH_REWRITER_PARSED_BODIES_H
