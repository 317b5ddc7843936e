// Machinery of softpatch/mock.h: what a mock's target is. From `&f` it
// derives the type the slot calls (Traits), the name the compiler gives the
// target, its address, and the registry entry found from them. Not for
// direct use; the interface is softpatch/mock.h.
#ifndef SOFTPATCH_INTERNAL_MOCK_TARGET_H
#define SOFTPATCH_INTERNAL_MOCK_TARGET_H

#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>

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

// The type of a target named with its signature (mock<int(int), &f>): a
// pointer to a free function of that type, or a member pointer type as
// given. Naming the type lets the compiler pick one of an overload set.
template <class Signature>
using PointerTo =
    std::conditional_t<std::is_function_v<Signature>, std::add_pointer_t<Signature>, Signature>;

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

// How the compiler spells T, inside the text of this function's name (read
// back by spelled_type). Needs no RTTI.
template <class T>
constexpr const char* type_spelling() {
  return __PRETTY_FUNCTION__;
}
// T alone, from a type_spelling<T>() text: "const std::string&".
std::string spelled_type(std::string_view pretty);

// Finds the function called `name` for mock_by_name. Its slot type must be
// `result` (parameters...), each a type_spelling() text, and its code must
// have an address; throws MockError, naming what differs, when not.
Function resolve_by_name(const std::string& name, const char* result,
                         std::initializer_list<const char*> parameters);

// Whether a type as Clang spells it in the registry ("unsigned long",
// "const std::basic_string<char> &") and as the compiler spells it in
// type_spelling() ("long unsigned int", "const std::__cxx11::basic_string<char>&")
// name the same type.
bool same_type(std::string_view registry, std::string_view compiler);

// Throws MockError(message): for templates, which see MockError only as a
// name declared later.
[[noreturn]] void fail(const std::string& message);

}  // namespace mock_detail
}  // namespace softpatch

#endif  // SOFTPATCH_INTERNAL_MOCK_TARGET_H
