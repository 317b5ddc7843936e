// How the rewriter names functions and spells types: stable ids, readable
// names, canonical signatures and type spellings valid in generated code.
#ifndef SOFTPATCH_REWRITER_NAMING_H
#define SOFTPATCH_REWRITER_NAMING_H

#include <memory>
#include <string>

#include "clang/AST/ASTContext.h"
#include "clang/AST/Decl.h"
#include "clang/AST/Mangle.h"

namespace softpatch::rewriter {

// `name<arguments>` (arguments with their brackets, or ""), apart when the
// name ends in a symbol: `operator< <int>`, which `operator<<int>` is not.
std::string with_template_arguments(const std::string& name, const std::string& arguments);

class Naming {
 public:
  // `project_file` prefixes the ids of functions not visible outside the file.
  Naming(clang::ASTContext& context, std::string project_file);

  // Itanium-mangled name ("_ZN2ns7Counter3addEi"), the plain name for
  // extern "C", "<project_file>:" + mangled name for internal linkage; for
  // a lambda's call operator, its enclosing function's id, which of its
  // lambdas it is and its parameters ("_Z3runv::lambda#0/1(int) const").
  std::string id(const clang::FunctionDecl& function) const;

  // The file whose own types make an instantiation of a template visible
  // elsewhere local to it (`twice<(anonymous namespace)::Item>`): the
  // translation unit's main file, which a header's naming prefixes the ids
  // of such instantiations with, not its own path. Defaults to
  // `project_file`.
  void set_translation_unit_file(std::string project_file) {
    translation_unit_file_ = std::move(project_file);
  }

  // "ns::Counter::add(int) const"; "twice<int>(int)", "Box<long>::get() const"
  // for instantiations.
  std::string readable_name(const clang::FunctionDecl& function) const;

  // The canonical type of what the function's slot calls: its own type for
  // free and static functions, the object pointer first for methods:
  // "int (const ns::Counter *, int)". Equal across builds and compilers.
  std::string signature(const clang::FunctionDecl& function) const;

  // Spells `type` so that it names the same type anywhere in the file:
  // fully qualified from the global namespace, deduced types resolved.
  std::string spell(clang::QualType type) const;

  // The type a call of the function yields, as spelled by spell(); top-level
  // qualifiers of non-class types are dropped (they have no effect on a
  // prvalue and only draw -Wignored-qualifiers).
  std::string spell_return_type(const clang::FunctionDecl& function) const;

  // The class as code at global scope names it: "::ns::Outer::Inner", its
  // enclosing namespaces and classes written out (anonymous ones are
  // transparent to qualified lookup); spell() for templates and unnamed ones.
  std::string qualified_class(const clang::CXXRecordDecl& record) const;
  // The method as code at global scope names it: qualified_class() of its
  // class, then its name ("operator ::std::string" for a conversion, whose
  // type is spelled as spell() does); "" for a conversion to a type that
  // cannot be written after `operator` (a pointer to function or array).
  std::string qualified_member(const clang::CXXMethodDecl& method) const;
  // A readable canonical spelling, for the registry's records.
  std::string canonical(clang::QualType type) const;

  // A lambda's place: its enclosing function's id and which of that
  // function's lambdas it is, of how many ("_Z3runv::lambda#0/2"); readable:
  // "run()::<lambda at line 12>". `call` is its call operator.
  std::string lambda_place(const clang::CXXMethodDecl& call) const;
  std::string lambda_name(const clang::CXXMethodDecl& call) const;

 private:
  std::string lambda_id(const clang::CXXMethodDecl& call) const;
  // ` [n: int, s: std::string &] <hash of its layout>`: what a closure
  // holds, in its layout's order ("" for one that holds nothing). Part of
  // the lambda's id, so that a patch's closure type read over a closure made
  // before it is the same.
  std::string lambda_captures(const clang::CXXRecordDecl& closure) const;

  clang::ASTContext& context_;
  std::string project_file_;
  std::string translation_unit_file_;
  std::unique_ptr<clang::MangleContext> mangler_;
  clang::PrintingPolicy code_policy_;
  clang::PrintingPolicy readable_policy_;
};

}  // namespace softpatch::rewriter

#endif  // SOFTPATCH_REWRITER_NAMING_H
