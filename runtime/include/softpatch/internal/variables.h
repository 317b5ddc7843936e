// Variables shared between a program and its patches. A patch never defines
// a second copy of a file's state: each internal variable (file `static`,
// anonymous namespace, function-local `static`) is a reference bound by id to
// the one instance, whoever defined it first: the program, or the first
// patch that added the variable.
//
// The rewriter turns (in patches, and for function-local statics also in
// instrumented files)
//   static int counter = 0;
// into, on the declaration's own lines,
//   static auto& counter = ::__softpatch_bind("src/a.cpp", "counter",
//       []() { static int counter = 0; return &counter; });
// The lambda runs only if nobody defined the variable yet, so an existing
// variable is never initialised twice. Includes nothing, like slot.h.
#ifndef SOFTPATCH_INTERNAL_VARIABLES_H
#define SOFTPATCH_INTERNAL_VARIABLES_H

namespace softpatch {
namespace internal {

// Returns the calling thread's instance for thread_local variables.
using VariableGetter = void* (*)();

// The address of the variable `name` of `scope` (a file's project-relative
// path and the variable's qualified name; for a function-local static, the
// function's id and the variable's name): from an earlier bind of the same
// variable, else from the variables the program's instrumented files
// recorded, else from `define`, which is then remembered.
void* bind_variable(const char* scope, const char* name, VariableGetter define);

template <class T>
struct PointeeOf;
template <class T>
struct PointeeOf<T*> {
  typedef T type;
};

}  // namespace internal
}  // namespace softpatch

#if __cplusplus >= 201402L
// bind_variable for a `define` that returns a T*: the reference it returns
// has the variable's own type, whatever that is (arrays, local classes). A
// reserved name at global scope, like the others in instrument.h.
template <class Define>
auto& __softpatch_bind(const char* scope, const char* name, Define define) {
  typedef typename ::softpatch::internal::PointeeOf<decltype(define())>::type T;
  T* (*typed)() = define;
  // Only the pointer's type differs: T* and void* are returned alike.
  ::softpatch::internal::VariableGetter erased =
      reinterpret_cast<::softpatch::internal::VariableGetter>(reinterpret_cast<void (*)()>(typed));
  return *static_cast<T*>(::softpatch::internal::bind_variable(scope, name, erased));
}
#endif

#endif  // SOFTPATCH_INTERNAL_VARIABLES_H
