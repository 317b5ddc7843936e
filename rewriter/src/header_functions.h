// The function definitions written in the project's headers, and what
// instrumenting one there takes beyond what every function takes.
//
// A header's inline function is compiled into every file that includes it
// and the linker keeps one copy; a file built without softpatch (opted out,
// a plain library) has a copy without a trampoline, and the linker could
// keep that one, so that a patch or a mock would silently not run. So an
// instrumented inline function gets an ABI tag, `[abi:softpatch]`, on its
// first declaration: its instrumented copies have a name of their own.
#ifndef SOFTPATCH_REWRITER_HEADER_FUNCTIONS_H
#define SOFTPATCH_REWRITER_HEADER_FUNCTIONS_H

#include <optional>
#include <string>
#include <vector>

#include "clang/AST/ASTContext.h"
#include "clang/AST/Decl.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include "header_shadows.h"
#include "text_edits.h"

namespace softpatch::rewriter {

// Every function definition of the headers that can be copied, in the
// order of the declarations: members defined in a class, friends defined
// there, out-of-line members, free functions, templates and their members.
std::vector<const clang::FunctionDecl*> header_definitions(clang::ASTContext& context,
                                                           const HeaderShadows& headers);

// The members of those headers' classes (not templates') that have a
// default member initialiser, in the same order.
std::vector<const clang::FieldDecl*> header_initialised_fields(clang::ASTContext& context,
                                                               const HeaderShadows& headers);

// Which first declarations share their specifiers with other declarations
// (`inline int f(), g();`), where an attribute before them would tag those
// too: found once per context.
class SharedSpecifiers {
 public:
  bool shares(const clang::FunctionDecl& first);

 private:
  // The declarations' starts that more than one declaration has, by context.
  llvm::DenseMap<const clang::DeclContext*, llvm::DenseSet<clang::SourceLocation::UIntTy>> shared_;
};

// Why `function`, defined in one of `headers`, cannot be instrumented where
// it is, beyond the rules for every function; nullopt when it can.
std::optional<std::string> header_reason(const clang::FunctionDecl& function,
                                         const HeaderShadows& headers, const TextEdits& edits,
                                         SharedSpecifiers& specifiers);

// The first static (or thread_local) variable of `function`'s body, its
// lambdas' and its local classes', or null.
const clang::VarDecl* static_variable_of(const clang::FunctionDecl& function);

// Gives `function` (instrumentable: header_reason() said nullopt) the ABI
// tag when it needs one, in the text and in the AST, so that its id is the
// name its instrumented copies have. Call before naming it.
void tag_instrumented_copy(const clang::FunctionDecl& function, TextEdits& edits);

}  // namespace softpatch::rewriter

#endif  // SOFTPATCH_REWRITER_HEADER_FUNCTIONS_H
