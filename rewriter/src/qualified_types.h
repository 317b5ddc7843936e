// Canonical types rebuilt so that printing them names every class, enum and
// template from the global namespace: right by construction wherever the
// generated code goes in the translation unit.
#pragma once

#include "clang/AST/ASTContext.h"
#include "clang/AST/Type.h"

namespace softpatch::rewriter {

// `canonical` (a canonical type) with each tag and template named by a
// qualifier from `::`, pack elements and classes of anonymous namespaces
// included, which clang::TypeName::getFullyQualifiedType leaves bare
// (`basic_fstring<wchar_t, duration<long>>`, `Resolver<FailureTest>`).
// Inline and anonymous namespaces are left out: qualified lookup sees
// through both. Print the result with SuppressTagKeyword and
// SuppressUnwrittenScope.
clang::QualType fully_qualified(clang::QualType canonical, clang::ASTContext& context);

}  // namespace softpatch::rewriter
