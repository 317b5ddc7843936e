// Machinery of softpatch/mock.h: what a mock's target is. From `&f` it
// derives the type the slot calls (Traits), the name the compiler gives the
// target, its address, and the registry entry found from them. Not for
// direct use; the interface is softpatch/mock.h.
#ifndef SOFTPATCH_INTERNAL_MOCK_TARGET_H
#define SOFTPATCH_INTERNAL_MOCK_TARGET_H

#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>

#include "softpatch/registry.h"

namespace softpatch {
namespace mock_detail {

// What the slot of a target calls: free functions with their parameters,
// methods with the object pointer first. Bind<Target, T> is T<Target, R, P...>
// with the slot's result R and parameters P.
template <class F>
struct Traits;
template <class R, class... A>
struct Traits<R (*)(A...)> {
  using Result = R;
  using Object = void;
  using Replacement = std::function<R(A...)>;
  template <auto Target, template <auto, class, class...> class T>
  using Bind = T<Target, R, A...>;
};
template <class R, class... A>
struct Traits<R (*)(A...) noexcept> : Traits<R (*)(A...)> {};
#define SOFTPATCH_METHOD_TRAITS(QUALIFIERS, OBJECT)                  \
  template <class R, class C, class... A>                            \
  struct Traits<R (C::*)(A...) QUALIFIERS> {                         \
    using Result = R;                                                \
    using Object = OBJECT;                                           \
    template <auto Target, template <auto, class, class...> class T> \
    using Bind = T<Target, R, OBJECT*, A...>;                        \
  };                                                                 \
  template <class R, class C, class... A>                            \
  struct Traits<R (C::*)(A...) QUALIFIERS noexcept> : Traits<R (C::*)(A...) QUALIFIERS> {};
SOFTPATCH_METHOD_TRAITS(, C)
SOFTPATCH_METHOD_TRAITS(const, const C)
SOFTPATCH_METHOD_TRAITS(&, C)
SOFTPATCH_METHOD_TRAITS(const&, const C)
SOFTPATCH_METHOD_TRAITS(&&, C)
SOFTPATCH_METHOD_TRAITS(volatile, volatile C)
SOFTPATCH_METHOD_TRAITS(const volatile, const volatile C)
#undef SOFTPATCH_METHOD_TRAITS

template <auto Target>
using TargetTraits = Traits<decltype(Target)>;

// "ns::Store::get" from the template argument of this function, as the
// compiler spells it: names virtual methods, which have no address.
template <auto P>
constexpr std::string_view pretty_name() {
  return __PRETTY_FUNCTION__;
}
std::string target_name(std::string_view pretty);

// Where a member function pointer points, when it names a non-virtual
// function (Itanium C++ ABI: {address, adjustment}; an odd first word is a
// vtable offset).
template <class M>
internal::RawFunction member_address(M member) {
  static_assert(sizeof(M) == 2 * sizeof(void*), "Itanium ABI member pointers only");
  std::uintptr_t words[2];
  std::memcpy(words, &member, sizeof words);
  if (words[0] & 1) return nullptr;
  return reinterpret_cast<internal::RawFunction>(words[0]);
}

// Finds the function a target names; throws MockError when it cannot.
Function resolve(internal::RawFunction address, const std::string& name);

// Finds the function called `name` for mock_by_name, whose slot must take
// `parameters` parameters and whose code must have an address; throws
// MockError when it cannot.
Function resolve_by_name(const std::string& name, std::size_t parameters);

// The number of parameters in a registry signature ("int (const S *, int)").
std::size_t parameter_count(std::string_view signature);

// Throws MockError(message): for templates, which see MockError only as a
// name declared later.
[[noreturn]] void fail(const std::string& message);

}  // namespace mock_detail
}  // namespace softpatch

#endif  // SOFTPATCH_INTERNAL_MOCK_TARGET_H
