// Machinery of softpatch/mock.h: the dispatchers a mocked slot points at,
// and the state of their chains. A target known at compile time (mock<&f>)
// has one of its own (Static); targets found by name at run time
// (mock_by_name) share a pool per slot type (Pool). Not for direct use; the
// interface is softpatch/mock.h.
#ifndef SOFTPATCH_INTERNAL_MOCK_DISPATCH_H
#define SOFTPATCH_INTERNAL_MOCK_DISPATCH_H

#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>

#include "softpatch/internal/mock_chain.h"
#include "softpatch/internal/mock_target.h"
#include "softpatch/registry.h"

namespace softpatch {
namespace mock_detail {

// A target known at compile time: one state and one dispatcher each.
template <auto Target, class R, class... P>
struct Static {
  static inline SlotState<R, P...> state;
  static R call(P... p) { return dispatch<R, P...>(state, std::forward<P>(p)...); }
  static R original(P... p) {
    internal::bypass_once(*state.slot);
    if constexpr (std::is_member_function_pointer_v<decltype(Target)>) {
      // The function's own code, never an override of a virtual one.
      if (state.address) return reinterpret_cast<R (*)(P...)>(state.address)(std::forward<P>(p)...);
      return call_member(std::forward<P>(p)...);
    } else {
      return Target(std::forward<P>(p)...);
    }
  }
  template <class Self, class... A>
  static R call_member(Self self, A&&... a) {
    if constexpr (std::is_invocable_v<decltype(Target), decltype(*self), A...>)
      return std::invoke(Target, *self, std::forward<A>(a)...);
    else
      return std::invoke(Target, std::move(*self), std::forward<A>(a)...);
  }
  static SlotState<R, P...>& prepared(const std::string& name) {
    if (!state.slot) {
      internal::RawFunction address = nullptr;
      if constexpr (std::is_member_function_pointer_v<decltype(Target)>)
        address = member_address(Target);
      else
        address = reinterpret_cast<internal::RawFunction>(Target);
      Function f = resolve(address, name);
      state.address = f.address();
      state.slot = &f.slot();
      state.original = &original;
      state.dispatcher = reinterpret_cast<internal::RawFunction>(&call);
    }
    return state;
  }
};

// Targets found by name at run time: a pool of dispatchers per slot type.
template <class R, class... P>
struct Pool {
  static constexpr std::size_t kSize = 16;
  static inline SlotState<R, P...> states[kSize];
  static inline internal::RawFunction addresses[kSize];

  template <std::size_t N>
  static R call(P... p) {
    return dispatch<R, P...>(states[N], std::forward<P>(p)...);
  }
  template <std::size_t N>
  static R original(P... p) {
    internal::bypass_once(*states[N].slot);
    return reinterpret_cast<R (*)(P...)>(addresses[N])(std::forward<P>(p)...);
  }
  // The state of `f`'s slot: the one it already has, else a free one; null
  // when all kSize are taken.
  template <std::size_t... N>
  static SlotState<R, P...>* assign(const Function& f, std::index_sequence<N...>) {
    static std::mutex mutex;
    std::lock_guard<std::mutex> lock(mutex);
    SlotState<R, P...>* found = nullptr;
    ((!found && states[N].slot == &f.slot() ? (found = &states[N]) : nullptr), ...);
    if (found) return found;
    ((!found && !states[N].slot
          ? (addresses[N] = f.address(), states[N].original = &original<N>,
             states[N].dispatcher = reinterpret_cast<internal::RawFunction>(&call<N>),
             states[N].slot = &f.slot(), found = &states[N])
          : nullptr),
     ...);
    return found;
  }
};

}  // namespace mock_detail
}  // namespace softpatch

#endif  // SOFTPATCH_INTERNAL_MOCK_DISPATCH_H
