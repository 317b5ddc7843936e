// Constructors and destructors in a patch. A slot's target runs a function's
// code on its own, but a constructor's body cannot run apart from its member
// initialisers, nor a destructor's apart from the members' destruction. So
// the build's trampoline stands after the initialisers (before the members
// are destroyed), and a patch gives the class a member function that is the
// body alone, which becomes the slot's target:
//
//   Gauge::Gauge(int n) : level(n) { this->__softpatch_body_1f2e..(n); }
//   void Gauge::__softpatch_body_1f2e..(int n) { <the new body> }
//
// and, for a definition outside its class, `public: void
// __softpatch_body_1f2e..(int n);` before the class's closing brace. A
// member function changes nothing in the class's layout; the patch's own
// constructor (for objects the patch's code makes) calls it after its
// initialisers, as the program's does through the slot.
#ifndef SOFTPATCH_REWRITER_BODY_MEMBERS_H
#define SOFTPATCH_REWRITER_BODY_MEMBERS_H

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "clang/AST/DeclCXX.h"

#include "text_edits.h"

namespace softpatch::rewriter {

// Why a patch could not give `function` its body member, or nothing (also
// for functions other than constructors and destructors, which need none):
// what it copies and where it writes must be text it can edit.
std::optional<std::string> body_member_problem(const clang::FunctionDecl& function,
                                               const TextEdits& edits);

// Whether a parameter of a constructor or destructor reaches the body (its
// slot, its member) by reference: every one taken by value, since the
// member initialisers may keep a reference to it, and the body must see the
// object they saw, not one moved from it. (Arrays and functions are
// pointers, copied.)
bool reaches_body_by_reference(const clang::ParmVarDecl& parameter);

// The name of the member that carries `function`'s body in a patch; `id` is
// the function's (Naming::id), so each constructor has its own.
std::string body_member_name(llvm::StringRef id);

// Patch mode: makes the edits above for `function` (body_member_problem
// found nothing), whose parameters are named `parameter_names` in the text.
void carry_body_in_member(const clang::CXXMethodDecl& function, llvm::StringRef member,
                          const std::vector<std::string>& parameter_names, TextEdits& edits);

// Patch mode: makes `record` and the classes around it befriend
// ::__softpatch_access, whose getters take the addresses of the patch's
// members (a body member, a method of a class with internal linkage)
// whatever their access; a friend changes nothing in the layout. `done`
// holds the classes already edited. Returns the class whose closing brace
// could not be edited (made by a macro), or null.
const clang::CXXRecordDecl* befriend_access(const clang::CXXRecordDecl& record, TextEdits& edits,
                                            std::set<const clang::CXXRecordDecl*>& done);

}  // namespace softpatch::rewriter

#endif  // SOFTPATCH_REWRITER_BODY_MEMBERS_H
