// Variables shared between a program and its patches. A patch never defines
// a second copy of a file's state: each internal variable (file `static`,
// anonymous namespace, function-local `static`) is a reference bound by id to
// the one instance, whoever defined it first: the program, or the first
// patch that added the variable.
//
// The rewriter's patch mode turns
//   static int counter = 0;
// into (all on the declaration's lines)
//   static int& counter = ::softpatch::internal::bind<int>("src/a.cpp", "counter",
//       []() -> void* { static int counter = 0; return &counter; });
// The lambda runs only if nobody defined the variable yet, so an existing
// variable is never initialised twice. Valid C++11 for the same reason as
// slot.h.
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
T& bind(const char* scope, const char* name, VariableGetter define) {
  return *static_cast<T*>(bind_variable(scope, name, define));
}

}  // namespace internal
}  // namespace softpatch

#endif  // SOFTPATCH_INTERNAL_VARIABLES_H
