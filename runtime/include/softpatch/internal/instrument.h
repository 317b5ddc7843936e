// Included first by every file that softpatch-rewrite instruments. Keep it
// small: it is parsed once per instrumented translation unit. Valid C++11.
#ifndef SOFTPATCH_INTERNAL_INSTRUMENT_H
#define SOFTPATCH_INTERNAL_INSTRUMENT_H

#include "slot.h"
#include "variables.h"

// The names the rewriter's inserted code uses. They are reserved identifiers
// at global scope, declared before the file's own first line, so no macro of
// the file (`#define internal static` is not unheard of) can change them.
typedef ::softpatch::internal::RawFunction __softpatch_raw_function;
typedef ::softpatch::internal::Slot __softpatch_slot;
typedef ::softpatch::internal::FunctionRecord __softpatch_function_record;
typedef ::softpatch::internal::VariableRecord __softpatch_variable_record;
typedef ::softpatch::internal::LayoutRecord __softpatch_layout_record;
typedef ::softpatch::internal::FingerprintRecord __softpatch_fingerprint_record;
typedef ::softpatch::internal::TranslationUnit __softpatch_translation_unit;
typedef ::softpatch::internal::UnitRegistration __softpatch_unit_registration;
enum : unsigned { __softpatch_unit_version = ::softpatch::internal::kUnitVersion };

// The slot of a function defined in a header is a weak object of default
// visibility that every file including the header defines before its first
// line, `__softpatch_header_slot_<64-bit hash of the function's id>`: one
// object in the whole program, libraries and patches included. Hidden
// instead where the function is (-fvisibility=hidden): that module keeps a
// copy of the function of its own, and a slot of its own for it. Zero-
// initialised, so constant: no guard, no static initialiser.

// The slot of one instantiation of a template: a static member of a class
// template keyed by __softpatch_template_key<hash of the template, its
// arguments...>, which the template's body names with its own parameters
// and the file's table with the instantiation's arguments. Zero-initialised
// like every slot. Hidden: one object per module (g++ makes a default-
// visibility static member of a template a unique symbol, which keeps a
// library from ever unloading); instantiations in several modules have a
// slot in each, as a header function does in a library with its own copy.
template <class Key>
struct __attribute__((visibility("hidden"))) __softpatch_template_slot {
  static __softpatch_slot slot;
};
template <class Key>
__softpatch_slot __softpatch_template_slot<Key>::slot;
template <unsigned long long TemplateHash, class... Arguments>
struct __softpatch_template_key {};
// A non-type template argument, as a type of the key.
template <class T, T Value>
struct __softpatch_template_value {};

// Set by softpatch::call_original (softpatch/mock.h, through bypass_once):
// the next time this thread enters the function of that slot, it runs the
// function's own code once, whatever the slot holds. Initial-exec TLS: one
// %fs-relative load, made only when the slot is set. `__thread`, not
// `thread_local`: an extern thread_local may have a dynamic initialiser
// elsewhere, so each access calls its wrapper, and that call made g++ save
// registers on entry to every instrumented function, patched or not.
extern "C" __attribute__((tls_model("initial-exec"))) __thread const void* __softpatch_bypass;

// The trampoline's one load (and, for a set slot, the bypass check).
inline __softpatch_raw_function __softpatch_target_of(const __softpatch_slot& slot) noexcept {
  __softpatch_raw_function target = slot.current();
  if (__builtin_expect(target != nullptr, 0))
    if (__builtin_expect(__softpatch_bypass == &slot, 0)) {
      __softpatch_bypass = nullptr;
      return nullptr;
    }
  return target;
}

// Set by a mock of a constructor's or destructor's body that passes through
// to it (softpatch::spy_constructor): the object whose body is to run when
// the mock returns to the trampoline, which then goes on into the body.
extern "C" __attribute__((tls_model("initial-exec"))) __thread const void* __softpatch_resume;

// A constructor's or destructor's trampoline holds one around its call of
// the slot: the mark starts clear for the call and is put back as it was when
// the call returns or throws, so a mark that a mock set for this object and
// then left (an exception) reaches no other, and a construction nested in a
// mock keeps the mark that mock set for its own object.
struct __softpatch_resume_scope {
  const void* saved;
  __softpatch_resume_scope() noexcept : saved(__softpatch_resume) { __softpatch_resume = nullptr; }
  ~__softpatch_resume_scope() { __softpatch_resume = saved; }
  __softpatch_resume_scope(const __softpatch_resume_scope&) = delete;
  __softpatch_resume_scope& operator=(const __softpatch_resume_scope&) = delete;
  // Whether the call asked for the body of `object` to run.
  bool resumes(const void* object) const noexcept { return __softpatch_resume == object; }
};

// How __softpatch_call takes a parameter of type T: by value when the value
// travels in registers anyway (scalars, references, trivially copyable
// classes), so the instrumented function never stores its arguments to pass
// them; by reference otherwise (the ABI passes such classes by address), so
// nothing is copied.
template <class T>
struct __softpatch_by_value {
  enum { value = (!__is_class(T) && !__is_union(T)) || __is_trivially_copyable(T) };
};
template <class T, bool = __softpatch_by_value<T>::value>
struct __softpatch_pass {
  typedef T type;
};
template <class T>
struct __softpatch_pass<T, false> {
  typedef T&& type;
};

// Calls a slot target of type R(Params...) with the instrumented function's
// arguments: by-value parameters are moved on, never copied. Out of line and
// cold, with the target last so that the arguments stay in the registers
// they came in: the instrumented function's unpatched path is the slot's
// load, a test and a branch (and its patched path a jump), which keeps
// instrumented code (and its compile time) small; one instantiation serves
// every function of the same signature.
template <class R, class... Params>
__attribute__((noinline, cold)) R __softpatch_call(typename __softpatch_pass<Params>::type... args,
                                                   __softpatch_raw_function target) {
  return reinterpret_cast<R (*)(Params...)>(target)(static_cast<Params&&>(args)...);
}

// The init-capture by which the trampoline of a lambda that captures finds
// its closure (softpatch-rewrite's insert_closure_anchor()). Its constructor
// is user-provided so that Clang sees a capture with an effect, not an
// unused one; constexpr, for lambdas evaluated as constants.
struct __softpatch_anchor {
  constexpr __softpatch_anchor() noexcept {}
};

// R (*)(Params...) without the declarator syntax, which cannot be pasted
// together when R is itself a function pointer.
template <class R, class... Params>
using __softpatch_function_pointer = R (*)(Params...);

#endif  // SOFTPATCH_INTERNAL_INSTRUMENT_H
