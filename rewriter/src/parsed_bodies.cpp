#include "parsed_bodies.h"

#include "findings.h"
#include "parse_file.h"

namespace softpatch::rewriter {

bool ParsedBodies::parsed(const clang::Decl& decl) {
  if (in_main_file(decl, sources_)) return true;
  if (root_.empty()) return false;
  clang::SourceLocation at = sources_.getExpansionLoc(decl.getLocation());
  clang::FileID file = sources_.getFileID(at);
  auto [known, inserted] = in_project_.try_emplace(file.getHashValue(), false);
  // A user file, as HeaderShadows counts them (a `#pragma GCC
  // system_header` line does not change what the file is).
  if (inserted)
    known->second =
        sources_.getSLocEntry(file).getFile().getFileCharacteristic() == clang::SrcMgr::C_User &&
        llvm::StringRef(real_path_of(sources_, file)).startswith(root_ + "/");
  return known->second;
}

namespace {

class SkipsUnparsedBodies : public clang::ASTConsumer {
 public:
  SkipsUnparsedBodies(const clang::SourceManager& sources, std::string root)
      : bodies_(sources, std::move(root)) {}
  bool shouldSkipFunctionBody(clang::Decl* decl) override { return !bodies_.parsed(*decl); }

 private:
  ParsedBodies bodies_;
};

}  // namespace

std::unique_ptr<clang::ASTConsumer> skipping_unparsed_bodies(const clang::SourceManager& sources,
                                                             std::string root) {
  return std::make_unique<SkipsUnparsedBodies>(sources, std::move(root));
}

}  // namespace softpatch::rewriter
