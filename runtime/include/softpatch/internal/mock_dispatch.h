// Machinery of softpatch/mock.h: the dispatchers a mocked slot points at,
// and the state of their chains. Each slot has one chain, whichever way its
// mocks are made, so that a spy or a per-thread mock made with &f calls
// through to a mock made by name, and the other way round. The first mock
// of a slot sets the chain up with its dispatcher: its own for a target
// known at compile time (mock<&f>: Static), one from a pool per slot type
// for a target found by name at run time (mock_by_name: Pool). Not for
// direct use; the interface is softpatch/mock.h.
#ifndef SOFTPATCH_INTERNAL_MOCK_DISPATCH_H
#define SOFTPATCH_INTERNAL_MOCK_DISPATCH_H

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <functional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "softpatch/internal/mock_chain.h"
#include "softpatch/internal/mock_target.h"
#include "softpatch/registry.h"

namespace softpatch {
namespace mock_detail {

// The chain of `f`'s slot: the one made before by any mock of it (checked
// to be for the slot type `type`, a type_spelling<R(P...)>() text), else the
// one make(f) sets up, which becomes the slot's. Null when make returns
// null. Implemented in the runtime.
void* chain_of(const Function& f, const char* type, void* (*make)(const Function&));

// The slot of `f` that `code`, a copy of f, reads: the one in code's module
// (each module that compiles a template's instantiation has its own), else
// f's. Implemented in the runtime.
internal::Slot* slot_read_by(internal::RawFunction code, const Function& f);

// A target known at compile time: a dispatcher of its own, used when its
// mock is the first of the slot's.
template <auto Target, class R, class... P>
struct Static {
  using State = SlotState<R, P...>;
  static inline State own;                           // the chain, when this target made it
  static inline std::atomic<State*> chain{nullptr};  // the slot's chain, whoever made it

  // What the slot in the Through-th module (0: the first) points at.
  template <std::size_t Through>
  static R call(P... p) {
    return dispatch<Through, R, P...>(own, std::forward<P>(p)...);
  }
  static R original(P... p) {
    internal::bypass_once(*own.original_slot);
    if constexpr (std::is_member_function_pointer_v<decltype(Target)>) {
      // The function's own code, never an override of a virtual one.
      if (own.address) return reinterpret_cast<R (*)(P...)>(own.address)(std::forward<P>(p)...);
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
  static State& prepared(const std::string& name) {
    if (State* known = chain.load(std::memory_order_acquire)) return *known;
    Function f = resolve(address(), name);
    auto* found = static_cast<State*>(chain_of(f, type_spelling<R(P...)>(), &make));
    chain.store(found, std::memory_order_release);
    return *found;
  }
  // The code `original` calls, when it can be known.
  static internal::RawFunction original_code() {
    if constexpr (std::is_member_function_pointer_v<decltype(Target)>)
      return own.address ? own.address : member_address(Target);
    else
      return reinterpret_cast<internal::RawFunction>(Target);
  }
  static internal::RawFunction address() {
    if constexpr (std::is_member_function_pointer_v<decltype(Target)>)
      return member_address(Target);
    else
      return reinterpret_cast<internal::RawFunction>(Target);
  }
  static void* make(const Function& f) {
    own.address = f.address();
    own.slot = &f.slot();
    own.original = &original;
    own.original_slot = slot_read_by(original_code(), f);
    own.dispatcher = reinterpret_cast<internal::RawFunction>(&call<0>);
    serve(f, std::make_index_sequence<kOtherSlots>());
    return &own;
  }
  template <std::size_t... K>
  static void serve(const Function& f, std::index_sequence<K...>) {
    own.id = f.id();
    own.other_dispatchers = {reinterpret_cast<internal::RawFunction>(&call<K + 1>)...};
  }
};

// Targets found by name at run time: a pool of dispatchers per slot type,
// for slots whose first mock is made by name.
template <class R, class... P>
struct Pool {
  static constexpr std::size_t kSize = 16;
  static inline SlotState<R, P...> states[kSize];
  static inline internal::RawFunction addresses[kSize];

  // What the slot in the Through-th module (0: the first) points at, for
  // the N-th state.
  template <std::size_t N, std::size_t Through>
  static R call(P... p) {
    return dispatch<Through, R, P...>(states[N], std::forward<P>(p)...);
  }
  template <std::size_t N>
  static R original(P... p) {
    internal::bypass_once(*states[N].original_slot);
    return reinterpret_cast<R (*)(P...)>(addresses[N])(std::forward<P>(p)...);
  }
  // A constructor's or destructor's own code, which cannot run alone: its
  // body runs when the mock returns to its trampoline. (Their slots are
  // void(Class*, ...).)
  static R resume_body(P... p) {
    if constexpr (std::is_void_v<R> && sizeof...(P) > 0)
      if constexpr (std::is_pointer_v<std::tuple_element_t<0, std::tuple<P...>>>) {
        internal::resume_body_once(std::get<0>(std::forward_as_tuple(p...)));
        return;
      }
    std::abort();
  }
  // The chain of `f`'s slot, wherever it was made; null when it is new and
  // all kSize of the pool are taken.
  static SlotState<R, P...>* assign(const Function& f) {
    return static_cast<SlotState<R, P...>*>(chain_of(f, type_spelling<R(P...)>(), &make));
  }
  static void* make(const Function& f) { return claim(f, std::make_index_sequence<kSize>()); }
  template <std::size_t... N>
  static SlotState<R, P...>* claim(const Function& f, std::index_sequence<N...>) {
    SlotState<R, P...>* found = nullptr;  // (chain_of holds its lock: no race here)
    ((!found && !states[N].slot ? (found = take<N>(f, std::make_index_sequence<kOtherSlots>()))
                                : nullptr),
     ...);
    return found;
  }
  template <std::size_t N, std::size_t... K>
  static SlotState<R, P...>* take(const Function& f, std::index_sequence<K...>) {
    addresses[N] = f.address();
    states[N].original = f.is_constructor_or_destructor() ? &resume_body : &original<N>;
    states[N].original_slot = slot_read_by(addresses[N], f);
    states[N].dispatcher = reinterpret_cast<internal::RawFunction>(&call<N, 0>);
    states[N].id = f.id();
    states[N].other_dispatchers = {reinterpret_cast<internal::RawFunction>(&call<N, K + 1>)...};
    states[N].slot = &f.slot();
    return &states[N];
  }
};

}  // namespace mock_detail
}  // namespace softpatch

#endif  // SOFTPATCH_INTERNAL_MOCK_DISPATCH_H
