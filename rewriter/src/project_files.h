// Which declarations are the project's own: written in the main file, or in
// a file under the project root that is not a system header. Layouts and
// fingerprints cover these and nothing else (a system header does not change
// under a running program; a project header can).
#ifndef SOFTPATCH_REWRITER_PROJECT_FILES_H
#define SOFTPATCH_REWRITER_PROJECT_FILES_H

#include <string>

#include "clang/AST/Decl.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/ADT/DenseMap.h"

namespace softpatch::rewriter {

class ProjectFiles {
 public:
  ProjectFiles(const clang::SourceManager& sources, const std::string& project_root);

  bool holds(clang::SourceLocation location);
  bool holds(const clang::Decl& decl) { return holds(decl.getLocation()); }

 private:
  const clang::SourceManager& sources_;
  std::string root_;                      // real path, ending in '/'
  llvm::DenseMap<unsigned, bool> known_;  // file id -> the project's
};

}  // namespace softpatch::rewriter

#endif  // SOFTPATCH_REWRITER_PROJECT_FILES_H
