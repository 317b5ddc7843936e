// Machinery of softpatch/mock.h: how a replacement becomes a guard. It is
// checked against the target's signature at compile time
// (ReplacementMustFitTheTarget), adapted to what the slot calls (methods:
// the object pointer first), and linked into the target's chain. Return
// sequences, spies and mock_by_name are built here too. Not for direct use;
// the interface is softpatch/mock.h.
#ifndef SOFTPATCH_INTERNAL_MOCK_FACTORY_H
#define SOFTPATCH_INTERNAL_MOCK_FACTORY_H

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "softpatch/internal/mock_chain.h"
#include "softpatch/internal/mock_dispatch.h"
#include "softpatch/internal/mock_target.h"

namespace softpatch {

template <class R, class... P>
class [[nodiscard]] Mock;
template <class R, class... P>
class [[nodiscard]] Spy;

namespace mock_detail {

template <auto Target, class R, class... P>
struct Factory {
  using Guard = Mock<R, P...>;
  using SpyGuard = Spy<R, P...>;
  using State = SlotState<R, P...>;
  static State& state() {
    return Static<Target, R, P...>::prepared(target_name(pretty_name<Target>()));
  }
  // Replacements take the object by reference; the slot passes a pointer.
  template <class F>
  static std::function<R(P...)> adapt(F&& replacement) {
    if constexpr (std::is_member_function_pointer_v<decltype(Target)>) {
      return [f = std::forward<F>(replacement)](P... p) mutable -> R {
        return call_with_object(f, std::forward<P>(p)...);
      };
    } else {
      return std::function<R(P...)>(std::forward<F>(replacement));
    }
  }
  template <class F, class Self, class... A>
  static R call_with_object(F& f, Self self, A&&... a) {
    return f(*self, std::forward<A>(a)...);
  }
  template <class F>
  static constexpr bool callable() {
    if constexpr (std::is_member_function_pointer_v<decltype(Target)>)
      return callable_with_object<F, P...>();
    else
      return std::is_invocable_r_v<R, F, P...>;
  }
  template <class F, class Self, class... A>
  static constexpr bool callable_with_object() {
    return std::is_invocable_r_v<R, F, decltype(*std::declval<Self>()), A...>;
  }
};

template <auto Target>
using FactoryOf = typename TargetTraits<Target>::template Bind<Target, Factory>;

// Instantiated with both types when a replacement does not fit its target:
// the compiler's message names them.
template <class TargetType, class ReplacementType, bool Fits>
struct ReplacementMustFitTheTarget {
  static_assert(Fits,
                "softpatch::mock: the replacement cannot be called with the target's parameters "
                "(methods: the object first, by reference), or its result does not convert to "
                "the target's result type; the two types are in this template's arguments");
  static constexpr bool value = Fits;
};

// The guard for one replacement of Target, with its conditions.
template <auto Target, class F>
auto make_mock(F&& replacement, std::thread::id thread, const volatile void* object) {
  using Made = FactoryOf<Target>;
  static_assert(ReplacementMustFitTheTarget<decltype(Target), std::decay_t<F>,
                                            Made::template callable<F>()>::value);
  return typename Made::Guard(Made::state(), Made::adapt(std::forward<F>(replacement)), thread,
                              object);
}

// `object` as the method Target sees it: the base subobject, for a class
// with several bases.
template <auto Target, class Object>
const volatile void* object_address(Object& object) {
  return static_cast<typename TargetTraits<Target>::Object*>(&object);
}

// A guard whose replacement calls the function's own code.
template <auto Target>
auto make_pass_through() {
  using Made = FactoryOf<Target>;
  auto& state = Made::state();
  return typename Made::Guard(
      state, [&state](auto&&... p) { return state.original(std::forward<decltype(p)>(p)...); },
      std::thread::id(), nullptr);
}

// The function's own code, called once past every mock of it (methods: the
// object by reference first).
template <auto Target, class... A>
decltype(auto) call_original(A&&... arguments) {
  auto& state = FactoryOf<Target>::state();
  if constexpr (std::is_member_function_pointer_v<decltype(Target)>) {
    return [&state](auto& object, auto&&... rest) -> decltype(auto) {
      return state.original(&object, std::forward<decltype(rest)>(rest)...);
    }(std::forward<A>(arguments)...);
  } else {
    return state.original(std::forward<A>(arguments)...);
  }
}

// What a guard keeps private, for the machinery that builds on guards.
struct GuardAccess {
  template <class R, class... P>
  static const Handler<R, P...>* handler(const Mock<R, P...>& guard) {
    return guard.handler_;
  }

  // Ends `guard` and returns one with its conditions that answers `values`
  // in turn (the last one repeats).
  template <class R, class... P, class... V>
  static Mock<R, P...> answer_in_turn(Mock<R, P...>& guard, V&&... values) {
    using Value = std::decay_t<R>;
    auto sequence = std::make_shared<std::vector<Value>>(
        std::vector<Value>{static_cast<Value>(std::forward<V>(values))...});
    auto next = std::make_shared<std::atomic<std::size_t>>(0);
    SlotState<R, P...>& state = *guard.state_;
    std::thread::id thread = guard.handler_->thread;
    const volatile void* object = guard.handler_->object;
    guard.finish();  // this one ends: the sequence takes its place
    return Mock<R, P...>(
        state,
        [sequence, next](P...) -> R {
          std::size_t at = next->fetch_add(1);
          return (*sequence)[at < sequence->size() ? at : sequence->size() - 1];
        },
        thread, object);
  }
};

// The calls a spy has seen.
template <class Call>
class CallRecord {
 public:
  template <class... A>
  void add(const A&... arguments) {
    std::lock_guard<std::mutex> lock(mutex_);
    calls_.emplace_back(arguments...);
  }
  std::size_t count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_.size();
  }
  std::vector<Call> calls() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_;
  }
  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    calls_.clear();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Call> calls_;
};

// A spy's guard: records each call in `record`, then calls through to what
// would run without the spy (an outer mock, or the function's own code).
template <class R, class... P, class Record>
std::unique_ptr<Mock<R, P...>> recording_guard(SlotState<R, P...>& state,
                                               std::shared_ptr<Record> record) {
  auto self = std::make_shared<std::atomic<const Handler<R, P...>*>>(nullptr);
  auto guard = std::make_unique<Mock<R, P...>>(
      state,
      [record, self, &state](P... p) -> R {
        record->add(p...);
        // (Null only for a call racing with the spy's own set-up.)
        const Handler<R, P...>* spy = self->load();
        return dispatch_from<R, P...>(state, spy ? spy->previous.load() : nullptr,
                                      std::forward<P>(p)...);
      },
      std::thread::id(), nullptr);
  self->store(GuardAccess::handler(*guard));
  return guard;
}

// mock_by_name: Signature is the slot's type, checked against the registry
// by parameter count only.
template <class Signature>
struct ByName;
template <class R, class... P>
struct ByName<R(P...)> {
  template <class F>
  static Mock<R, P...> make(const std::string& name, F&& replacement) {
    static_assert(std::is_invocable_r_v<R, F, P...>,
                  "softpatch::mock_by_name: the replacement cannot be called with the given "
                  "signature's parameters, or its result does not convert");
    Function f = resolve_by_name(name, sizeof...(P));
    auto* state = Pool<R, P...>::assign(f, std::make_index_sequence<Pool<R, P...>::kSize>());
    if (!state) fail("softpatch::mock_by_name: too many functions of one type mocked");
    return Mock<R, P...>(*state, std::function<R(P...)>(std::forward<F>(replacement)),
                         std::thread::id(), nullptr);
  }
};

}  // namespace mock_detail
}  // namespace softpatch

#endif  // SOFTPATCH_INTERNAL_MOCK_FACTORY_H
