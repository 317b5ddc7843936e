// Fingerprints of the layouts of the project's classes as one file sees
// them, recorded by instrument mode and carried by patches, so the loader can
// refuse a patch built against a different layout.
#ifndef SOFTPATCH_REWRITER_LAYOUTS_H
#define SOFTPATCH_REWRITER_LAYOUTS_H

#include <string>
#include <utility>
#include <vector>

#include "clang/AST/ASTContext.h"

namespace softpatch::rewriter {

// {qualified name, fingerprint} for every complete class defined in the main
// file or a file under `project_root` (system headers are left out), every
// instantiation of such a class template the file completes, and every
// such enum (its fingerprint "enum of <underlying type>").
std::vector<std::pair<std::string, std::string>> class_layouts(clang::ASTContext& context,
                                                               const std::string& project_root);

// The layout of an object of `type`, all the way down: each class's as
// class_layouts() takes it and its members' and bases' in turn, an enum's
// underlying type, an array's element. What a pointer or a reference points
// to is not part of it.
std::string object_layout(clang::QualType type, clang::ASTContext& context);

}  // namespace softpatch::rewriter

#endif  // SOFTPATCH_REWRITER_LAYOUTS_H
