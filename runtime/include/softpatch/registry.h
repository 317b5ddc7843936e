// The registry of instrumented functions: every function that softpatch-rewrite
// gave a trampoline, in the program and in libraries it has loaded.
//
//   #include <softpatch/registry.h>
//
//   softpatch::Result<softpatch::Function> f = softpatch::find_function("Counter::add");
//   if (f) std::printf("%s at %s:%u\n", f->name(), f->file(), f->line());
//
//   for (const softpatch::Function& g : softpatch::functions())
//     std::printf("%s%s\n", g.name(), g.patched() ? " (patched)" : "");
//
// Lookups:
//   find_function(name)      readable name, exact ("ns::Counter::add(int) const")
//                            or a suffix of it without the parameters ("add",
//                            "Counter::add") when exactly one function fits;
//                            otherwise an error that lists the candidates.
//   find_function_by_id(id)  the stable id (mangled name, file-prefixed when
//                            the function has internal linkage).
//   find_function_at(addr)   a free function's or static member's address.
//   functions()              all of them, in registration order.
//   variables(file)          a file's mutable internal-linkage variables.
//
// Function is a cheap view; it stays valid while the library that defines the
// function stays loaded.
#ifndef SOFTPATCH_REGISTRY_H
#define SOFTPATCH_REGISTRY_H

#include <string_view>
#include <vector>

#include "softpatch/internal/slot.h"
#include "softpatch/result.h"

namespace softpatch {

// One instrumented function.
class Function {
 public:
  explicit Function(const internal::FunctionRecord& record, const internal::TranslationUnit& unit)
      : record_(&record), unit_(&unit) {}

  const char* id() const { return record_->id; }
  const char* name() const { return record_->name; }
  // Canonical type of what the slot calls: "int (int)", or for methods the
  // object pointer first, "int (const ns::Counter *, int)".
  const char* signature() const { return record_->signature; }
  const char* file() const { return unit_->file; }
  // The path relative to the project root, as used in internal ids.
  const char* project_file() const { return unit_->project_file; }
  unsigned line() const { return record_->line; }
  unsigned flags() const { return record_->flags; }
  bool is_method() const { return (record_->flags & internal::kMethod) != 0; }
  // A constructor's or destructor's body: it runs only as part of making or
  // destroying its object, so it has no address of its own (below).
  bool is_constructor_or_destructor() const {
    return (record_->flags & (internal::kConstructor | internal::kDestructor)) != 0;
  }
  // Address of the function itself (a method's code, which takes the object
  // pointer first), found by symbol where the rewriter's table cannot name
  // it; null for internal-linkage functions it could not name either, and
  // for constructors and destructors (no code runs their body alone).
  internal::RawFunction address() const;

  internal::Slot& slot() const { return *record_->slot; }
  bool patched() const { return slot().current() != nullptr; }

  const internal::FunctionRecord& record() const { return *record_; }
  const internal::TranslationUnit& unit() const { return *unit_; }

  friend bool operator==(const Function& a, const Function& b) { return a.record_ == b.record_; }
  friend bool operator!=(const Function& a, const Function& b) { return !(a == b); }

 private:
  const internal::FunctionRecord* record_;
  const internal::TranslationUnit* unit_;
};

// A mutable internal-linkage variable of an instrumented file.
struct Variable {
  const char* name;
  const char* type;
  void* address;  // the calling thread's instance for thread_local variables
  bool is_thread_local;
};

Result<Function> find_function(std::string_view name);
Result<Function> find_function_by_id(std::string_view id);
Result<Function> find_function_at(internal::RawFunction address);

template <class R, class... A>
Result<Function> find_function_at(R (*address)(A...)) {
  return find_function_at(reinterpret_cast<internal::RawFunction>(address));
}

std::vector<Function> functions();

// The path of a module that holds a copy of `function` compiled without
// softpatch, or "" when none is seen. A header's inline function gets its
// own name where it is instrumented (an ABI tag); a file that compiles the
// header plain (opted out, a plain library) calls its own copy, which no
// mock or patch reaches. Only an exported copy can be seen: one that a
// plain file inlined everywhere cannot.
std::string plain_copy_of(const Function& function);

// The registrations of `function`'s id that have a slot of their own: each
// module's of a template's instantiation, and a header's function in
// libraries that keep their own copy of it (built with hidden visibility,
// loaded with RTLD_LOCAL where the program has none, or linked with
// -Bsymbolic). A mock reaches them (up to four modules); a patch of a
// header says which of them it does not.
std::vector<Function> other_slots_of(const Function& function);

// Variables of the instrumented file whose path (as compiled, or relative to
// the project root) is `file`; empty when the file is unknown.
std::vector<Variable> variables(std::string_view file);

}  // namespace softpatch

#endif  // SOFTPATCH_REGISTRY_H
