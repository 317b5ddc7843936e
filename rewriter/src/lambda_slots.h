// Which lambdas get a slot of their own, decided alike by the build and by
// a patch (both from the same text), and what each is in the file's pieces.
//
//   LambdaSlots slots = lambda_slots(found, without_slot, edits, naming);
//   if (has_slot(detail_of(slots, lambda))) editor.instrument(call, line);
#ifndef SOFTPATCH_REWRITER_LAMBDA_SLOTS_H
#define SOFTPATCH_REWRITER_LAMBDA_SLOTS_H

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "clang/AST/ExprCXX.h"

#include "findings.h"
#include "naming.h"
#include "text_edits.h"

namespace softpatch::rewriter {

// For each lambda of Findings::function_lambdas, in their order: "slot
// <id>" when it gets one (it captures nothing, its enclosing function has a
// slot, its expression can be edited), else why not.
using LambdaSlots = std::vector<std::pair<const clang::LambdaExpr*, std::string>>;
LambdaSlots lambda_slots(const Findings& found,
                         const std::map<const clang::FunctionDecl*, std::string>& without_slot,
                         const TextEdits& edits, const Naming& naming);

// What `slots` says of `lambda` ("" if nothing).
const std::string& detail_of(const LambdaSlots& slots, const clang::LambdaExpr* lambda);

// Whether `detail` (of lambda_slots()) gives the lambda a slot.
inline bool has_slot(const std::string& detail) { return detail.rfind("slot ", 0) == 0; }

// The function whose body holds `lambda`.
const clang::FunctionDecl& enclosing_function(const clang::LambdaExpr& lambda);

}  // namespace softpatch::rewriter

#endif  // SOFTPATCH_REWRITER_LAMBDA_SLOTS_H
