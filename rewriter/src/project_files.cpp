#include "project_files.h"

#include "parse_file.h"

namespace softpatch::rewriter {

ProjectFiles::ProjectFiles(const clang::SourceManager& sources, const std::string& project_root)
    : sources_(sources), root_(real_or_absolute_path(project_root) + "/") {}

bool ProjectFiles::holds(clang::SourceLocation location) {
  clang::SourceLocation where = sources_.getExpansionLoc(location);
  if (where.isInvalid()) return false;
  if (sources_.isInMainFile(where)) return true;  // even when parsed from a copy elsewhere
  auto [it, inserted] = known_.try_emplace(sources_.getFileID(where).getHashValue(), false);
  if (inserted && !sources_.isInSystemHeader(where)) {
    llvm::StringRef name = sources_.getFilename(where);
    it->second = !name.empty() && real_or_absolute_path(name).rfind(root_, 0) == 0;
  }
  return it->second;
}

}  // namespace softpatch::rewriter
