// The trampoline: the statement inserted right after the `{` of a function
// body. It reads the function's slot once and, when a target is set, calls it
// with the function's own arguments (the object first for methods) and returns
// its result:
//
//   int add2(int a) { if (__softpatch_raw_function t = __softpatch_target_of(slots[3]); expect(t,
//   0))
//       return __softpatch_call<int, decltype(a)>(static_cast<decltype(a)&&>(a), t); ...
//
// All on the line of the `{`, so no line number moves.
#ifndef SOFTPATCH_REWRITER_TRAMPOLINE_H
#define SOFTPATCH_REWRITER_TRAMPOLINE_H

#include <string>
#include <vector>

#include "clang/AST/Decl.h"
#include "clang/AST/ExprCXX.h"

#include "naming.h"
#include "text_edits.h"

namespace softpatch::rewriter {

// Where the rewriter edits one function: after the body's `{` (or around a
// function-try-block) and at each unnamed parameter.
struct EditPoints {
  clang::SourceLocation body_start;  // the `{`, or the `try` of a function-try-block
  clang::SourceLocation body_end;    // the last `}` of a function-try-block, else invalid
  clang::SourceLocation body_last;   // the body's last `}`, try-block or not
  std::vector<clang::SourceLocation> unnamed_parameters;

  explicit EditPoints(const clang::FunctionDecl& function);
  bool all_editable(const TextEdits& edits) const;
};

// Whether a lambda's places to edit can all be reached: its body's (the
// build's trampoline) and both ends of the expression (a patch wraps it to
// take its closure's code). The build gives a slot only to such a lambda,
// so every lambda with a slot has its entry in a patch that compiles it.
bool lambda_editable(const clang::LambdaExpr& lambda, const TextEdits& edits);

// How the trampoline of a lambda that captures passes its closure to the
// slot's target, a patch's call operator of the same lambda, which reads
// the closure made before the patch as its own: by the address of its
// first member. Compilers lay a closure's members out in the order of its
// captures (which are all explicit: lambda_problem()), so that is the
// closure's address. The first member is the first capture when that is a
// copy of a variable (`[n, &s]`, `[p = std::move(q)]`: first_copied_capture()
// names it), else an init-capture the build and a patch both insert first:
// `[__softpatch_self = ::__softpatch_anchor{}, &s]` (insert_closure_anchor(),
// which does nothing for a lambda that needs none).
void insert_closure_anchor(const clang::LambdaExpr& lambda, TextEdits& edits);

// Names each unnamed parameter of `function` in the text (parameter_name())
// and returns the names of all, in order, as the rewritten text has them.
std::vector<std::string> name_parameters(const clang::FunctionDecl& function, TextEdits& edits);

// The statement that passes the call on to `target`, an expression of type
// __softpatch_raw_function that holds code of the function's slot-target
// type: `return __softpatch_call<R, ...>(target, args...);`.
std::string forwarding_statement(const clang::FunctionDecl& function, const std::string& target,
                                 const std::vector<std::string>& parameter_names,
                                 const Naming& naming);

// `parameter_names` holds the name of each parameter as it will be in the
// rewritten file (unnamed parameters get one from parameter_name()).
std::string trampoline(const clang::FunctionDecl& function, const std::string& slot,
                       const std::vector<std::string>& parameter_names, const Naming& naming);

// The name given to unnamed parameter `index` so the trampoline can pass it on.
std::string parameter_name(unsigned index);

// Expression naming slot `index` of the current file.
std::string slot_expression(unsigned index);

// Expression naming the slot of the function defined in a header whose id
// is `id`: the same object in every file that includes the header.
std::string header_slot_expression(llvm::StringRef id);

// How a file defines the slot of a header's function (header_slot_definition).
enum class HeaderSlot {
  // A weak object of default visibility, which the linker makes one per
  // module and the dynamic linker one per program.
  kShared,
  // Weak and hidden, one per module, as the function's code and state are
  // when the function is hidden (InstrumentedFunction::own_copy).
  kOwn,
  // In a patch: the module's hidden slot, declared under the name the
  // library of its unexported symbols defines (bound_header_slot_symbol).
  kBound,
};

// Its definition, at global scope before the file's first line. (Not a
// template's static member or an inline variable: g++ makes those
// STB_GNU_UNIQUE, and a library that defines one can never be unloaded.)
std::string header_slot_definition(llvm::StringRef id, HeaderSlot kind);

// The symbol of the slot of the header function `id`.
std::string header_slot_symbol(llvm::StringRef id);

}  // namespace softpatch::rewriter

#endif  // SOFTPATCH_REWRITER_TRAMPOLINE_H
