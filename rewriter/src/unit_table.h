// The text the rewriter puts around an instrumented file: a prologue that
// declares the file's slots and restores its line numbering, and an epilogue
// with the constant tables that register the file's functions and mutable
// internal-linkage variables with the runtime at load time.
#ifndef SOFTPATCH_REWRITER_UNIT_TABLE_H
#define SOFTPATCH_REWRITER_UNIT_TABLE_H

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "clang/AST/Decl.h"

#include "naming.h"
#include "softpatch/changes/code_fingerprint.h"
#include "softpatch/rewriter/instrumenter.h"

namespace softpatch::rewriter {

// How a patch's header slots reach its module's: a function the module
// keeps hidden (its own copy) is reached under its bound name where the
// module has a slot of it, or where nobody can tell (`hidden` unknown); a
// function new to the module gets a slot of the patch's own.
struct ModuleSlots {
  const std::optional<std::set<std::string>>& hidden;  // PatchOptions::hidden_header_slots
  std::map<std::string, std::string>& bound;           // filled: PatchSource::bound_slots
};

class UnitTable {
 public:
  UnitTable(const Naming& naming, std::string file, std::string project_file)
      : naming_(naming), file_(std::move(file)), project_file_(std::move(project_file)) {}

  // The unit of a project header's functions, registered by the file that
  // includes it: each function's slot is the header's (shared by every file
  // that includes it, header_slot_expression), and the names the epilogue
  // defines start with `prefix`, so several such units fit in one file.
  static UnitTable for_header(const Naming& naming, std::string file, std::string project_file,
                              std::string prefix);

  // The expression naming the slot of function `index`.
  std::string slot_of(unsigned index) const;

  // Adds an instrumented function; its slot index is the number added before.
  const InstrumentedFunction& add_function(const clang::FunctionDecl& function, unsigned line);
  // Adds the record of `instance`, an instantiation of the template
  // `pattern` (defined on `line`), whose slot is the template's for its
  // arguments; false, and nothing added, when these cannot be written at
  // the end of the file.
  bool add_template_instance(const clang::FunctionDecl& instance,
                             const clang::FunctionDecl& pattern, unsigned line);
  // Patch mode: address getters may name an instantiation of an overloaded
  // template by the cast to its type alone, which only a compile can check.
  void let_names_fail_to_compile() { names_may_not_compile_ = true; }
  // Patch mode: an instantiation of the template `pattern` whose slot the
  // build registered. When the template `changed`, the slot goes to the
  // patch's code; else back to the build's (kBuildCode).
  // False when it changed and its new code cannot be named (an internal
  // instantiation with no getter): then the build's code runs from its slot.
  bool add_patched_instance(const clang::FunctionDecl& instance, const clang::FunctionDecl& pattern,
                            unsigned line, bool changed);
  // The entry of the template `pattern` itself, defined on `line`, in
  // listed_functions(): it has no record of its own.
  void add_template(const clang::FunctionDecl& pattern, unsigned line);
  // Patch mode, for the function just added when it is a member of a class
  // with internal linkage (no symbol to find it by): its entry becomes a
  // thunk in ::__softpatch_access that calls it non-virtually. The class
  // must befriend that struct (the patcher inserts the declaration).
  void add_entry_thunk(const clang::CXXMethodDecl& method);
  // Patch mode, for the constructor or destructor just added: its entry is
  // `member`, the member function that carries its body (body_members.h).
  // The class must befriend ::__softpatch_access.
  void add_body_entry(const clang::CXXMethodDecl& function, llvm::StringRef member);
  // Patch mode: a lambda's call operator, after add_function(): its entry
  // is the code of the closure's call operator, which the lambda
  // expression, wrapped in the returned text's call (`::__softpatch_lambda<3>(`
  // before it, `)` after it), notes when the patch loads.
  std::string add_lambda_entry(const clang::CXXMethodDecl& call);
  // Patch mode: a function with a slot in the build whose code the patch
  // does not carry (a lambda of a function it imports): its slot goes back
  // to the build's code.
  void add_build_code_entry(const clang::FunctionDecl& function, unsigned line);
  // Patch mode: a function the patch does not carry (its code is the
  // build's); its body calls the program's own through the returned import
  // index, which the loader fills (the program's copy, found by symbol or
  // through the build's table) and its slot goes back to the build's code.
  unsigned add_import(const clang::FunctionDecl& function, unsigned line);
  // Whether the loader can find the program's copy of `function` for an
  // import: an exported symbol, or an address in the build's table.
  bool importable(const clang::FunctionDecl& function) const;
  // The expression that gives the code import `index` calls.
  std::string import_expression(unsigned index) const;
  void add_variable(const clang::VarDecl& variable);
  // {qualified name, fingerprint} of the classes the file sees.
  void add_layouts(const std::vector<std::pair<std::string, std::string>>& layouts);
  // The file's code, piece by piece (fingerprints.h).
  void add_code(const std::vector<CodeFingerprint>& code);

  unsigned slot_count() const { return static_cast<unsigned>(records_.size()); }
  unsigned variable_count() const { return static_cast<unsigned>(variables_.size()); }
  const std::vector<InstrumentedFunction>& functions() const { return functions_; }
  // One per template (add_template()), its instantiations being functions().
  const std::vector<InstrumentedFunction>& templates() const { return template_entries_; }
  // functions() and the entries of the templates (add_template).
  std::vector<InstrumentedFunction> listed_functions() const;
  bool empty() const { return records_.empty() && variables_.empty(); }

  // Goes before the file's first line; ends with `#line 1 "<file>"`.
  // `header_slots` (HeaderUnits::slot_definitions) go before that line.
  std::string prologue(llvm::StringRef runtime_header, llvm::StringRef header_slots = "") const;
  // A header's unit: the definitions of its functions' slots. A patch's
  // (`module` given) share the module's (ModuleSlots).
  std::string header_slot_definitions(ModuleSlots* module = nullptr) const;
  // Goes after the file's last line.
  std::string epilogue() const;

  // Patch mode: the same, without slots, and the manifest in place of the
  // registration (a header's unit: the manifest of a patch of the header).
  std::string patch_prologue(llvm::StringRef patch_header, llvm::StringRef header_slots = "") const;
  std::string manifest(llvm::StringRef build_id) const;

 private:
  // The address (and no import) of the function just added to functions_;
  // a method's comes from a getter when `method_by_getter`.
  void add_address(const clang::FunctionDecl& function, bool method_by_getter);
  // Its address and its record, with slot `slot` and its flags and
  // `more_flags` (softpatch/internal/slot.h).
  void add_record(const clang::FunctionDecl& function, const std::string& slot,
                  bool method_by_getter, unsigned more_flags = 0);
  // The entry of `function` in functions_, defined on `line`.
  InstrumentedFunction& add_entry(const clang::FunctionDecl& function, unsigned line);
  std::optional<std::string> free_function_address(const clang::FunctionDecl& function,
                                                   unsigned index);

  const Naming& naming_;
  bool header_ = false;
  bool names_may_not_compile_ = false;
  std::string prefix_;  // of the names the epilogue defines
  std::string file_;
  std::string project_file_;
  std::vector<InstrumentedFunction> functions_;
  std::vector<InstrumentedFunction> template_entries_;
  std::vector<std::string> records_;     // initialisers of FunctionRecord
  std::vector<std::string> addresses_;   // per function: its address getter, or nullptr
  std::vector<std::string> imports_;     // per function: where its import goes, or nullptr
  std::vector<std::string> import_ids_;  // per import
  unsigned lambdas_ = 0;                 // lambda entries (add_lambda_entry)
  bool constexpr_closures_ = false;      // C++17: closures are literal, the wrapper constexpr
  std::set<unsigned> build_code_;        // functions whose slot goes back to the build's code
  std::vector<std::string> variables_;   // initialisers of VariableRecord
  std::vector<std::string> layouts_;     // initialisers of LayoutRecord
  std::vector<std::string> code_;        // initialisers of FingerprintRecord
  std::string helpers_;                  // address getters, in reopened namespaces
  std::string thunks_;                   // members of ::__softpatch_access
};

}  // namespace softpatch::rewriter

#endif  // SOFTPATCH_REWRITER_UNIT_TABLE_H
