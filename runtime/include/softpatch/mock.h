// Test-time mocking of any instrumented function: free, `static`,
// anonymous-namespace, member (const, virtual, non-virtual), static member,
// private ones by name. No code page is written: a mock sets the function's
// slot, as a live patch does.
//
//   #include <softpatch/mock.h>
//   auto charge = softpatch::mock<&payment::charge>(
//       [](const Card&, int cents) { return Result::Timeout; });
//   auto get = softpatch::mock<&Store::get>(
//       [](const Store& self, const std::string& key) { return "x"; });
//   auto only = softpatch::mock<&Store::get>(store, [](const Store&, const std::string&) {...});
//   auto sent = softpatch::spy<&net::send>();          // calls through, records
//   auto seq = softpatch::mock<&next_id>().returns(1, 2, 3);
//   auto hidden = softpatch::mock_by_name<int(int)>("counted", [](int) { return 7; });
//   softpatch::call_original<&payment::charge>(card, 100);  // from inside a replacement
//
// A mock lasts as long as its guard (move-only, [[nodiscard]]); guards nest
// and must end in reverse order (LIFO); reset_mocks() ends them all. The
// replacement is checked at compile time: it must be callable with the
// target's parameters (methods: the object first, as a reference) and its
// result must convert to the target's. A target that was not instrumented
// throws softpatch::MockError at once, saying how to fix it.
//
// Mocks are process-wide (threads started by the code under test see them)
// unless made with softpatch::this_thread, and may be set and ended while
// other threads call the function. A replacement is kept alive until the
// process ends: a thread may still be running it when its guard ends.
#ifndef SOFTPATCH_MOCK_H
#define SOFTPATCH_MOCK_H

#include <atomic>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "softpatch/registry.h"

namespace softpatch {

// Mocking something that cannot be mocked: not instrumented, ambiguous.
class MockError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// Tag: the mock applies to calls made by the thread that sets it only.
struct ThisThread {};
inline constexpr ThisThread this_thread{};

// Ends every mock still active; their guards then do nothing.
void reset_mocks();
// How many mocks are active (for test listeners).
std::size_t active_mocks();

namespace mock_detail {

// What the slot of a target calls: free functions with their parameters,
// methods with the object pointer first.
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

// One replacement in the chain of a slot's mocks. Conditions (a thread, an
// object) make it step aside for the previous one, or the original.
template <class R, class... P>
struct Handler {
  std::function<R(P...)> replacement;
  std::atomic<const Handler*> previous{nullptr};  // relinked when a mock below ends
  std::thread::id thread{};                       // default: every thread
  const volatile void* object = nullptr;          // null: every object

  template <class First, class... Rest>
  bool applies(const First& first, const Rest&...) const {
    if (thread != std::thread::id() && thread != std::this_thread::get_id()) return false;
    if constexpr (std::is_pointer_v<First>)
      if (object && static_cast<const volatile void*>(first) != object) return false;
    return true;
  }
  bool applies() const {
    return thread == std::thread::id() || thread == std::this_thread::get_id();
  }
};

// The state of one mocked slot.
template <class R, class... P>
struct SlotState {
  internal::Slot* slot = nullptr;
  internal::RawFunction replaced = nullptr;  // what the slot held before the first mock
  std::atomic<const Handler<R, P...>*> top{nullptr};
  R (*original)(P...) = nullptr;               // runs the function's own code
  internal::RawFunction dispatcher = nullptr;  // what the slot holds while mocked
  internal::RawFunction address = nullptr;     // the function's code, when known
  std::mutex mutex;                            // for installing and ending mocks
  // Every handler ever made for this slot: one that ended may still be
  // running in another thread, so none is freed before exit.
  std::vector<std::unique_ptr<Handler<R, P...>>> handlers;
};

// Registers an active guard; returns its id. Ending one (or resetting all)
// calls `end`. Implemented in the runtime.
std::size_t register_guard(std::function<void()> end);
bool unregister_guard(std::size_t id);  // false once reset_mocks() ended it

// Runs the first handler from `first` on that applies to this call, or the
// function's own code.
template <class R, class... P>
R dispatch_from(SlotState<R, P...>& state, const Handler<R, P...>* first, P... p) {
  for (const Handler<R, P...>* h = first; h; h = h->previous.load(std::memory_order_acquire))
    if (h->applies(p...)) return h->replacement(std::forward<P>(p)...);
  return state.original(std::forward<P>(p)...);
}

template <class R, class... P>
R dispatch(SlotState<R, P...>& state, P... p) {
  return dispatch_from<R, P...>(state, state.top.load(std::memory_order_acquire),
                                std::forward<P>(p)...);
}

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

// The number of parameters in a registry signature ("int (const S *, int)").
std::size_t parameter_count(std::string_view signature);

}  // namespace mock_detail

// The guard of one mock: ends it when destroyed. Move-only.
template <class R, class... P>
class [[nodiscard]] Mock {
 public:
  using Handler = mock_detail::Handler<R, P...>;
  using State = mock_detail::SlotState<R, P...>;

  Mock(State& state, std::function<R(P...)> replacement, std::thread::id thread,
       const volatile void* object)
      : state_(&state) {
    install(std::move(replacement), thread, object);
  }
  Mock(Mock&& other) noexcept
      : state_(std::exchange(other.state_, nullptr)),
        handler_(std::exchange(other.handler_, nullptr)),
        id_(other.id_) {}
  Mock& operator=(Mock&&) = delete;
  Mock(const Mock&) = delete;
  ~Mock() { finish(); }

  // From now on, answers these values in turn (the last one repeats).
  template <class... V>
  Mock returns(V&&... values) && {
    static_assert(sizeof...(V) > 0, "returns() needs at least one value");
    using Value = std::decay_t<R>;
    auto sequence = std::make_shared<std::vector<Value>>(
        std::vector<Value>{static_cast<Value>(std::forward<V>(values))...});
    auto next = std::make_shared<std::atomic<std::size_t>>(0);
    State& state = *state_;
    std::thread::id thread = handler_->thread;
    const volatile void* object = handler_->object;
    finish();  // this one ends: the sequence takes its place
    return Mock(
        state,
        [sequence, next](P...) -> R {
          std::size_t at = next->fetch_add(1);
          return (*sequence)[at < sequence->size() ? at : sequence->size() - 1];
        },
        thread, object);
  }

  // For Spy: this mock's place in the chain.
  const Handler* handler() const { return handler_; }

 private:
  void finish() {
    if (state_ && mock_detail::unregister_guard(id_)) end(*state_, handler_);
    state_ = nullptr;
  }

  void install(std::function<R(P...)> replacement, std::thread::id thread,
               const volatile void* object) {
    std::lock_guard<std::mutex> lock(state_->mutex);
    handler_ = state_->handlers.emplace_back(std::make_unique<Handler>()).get();
    handler_->replacement = std::move(replacement);
    handler_->thread = thread;
    handler_->object = object;
    const Handler* below = state_->top.load();
    handler_->previous.store(below);
    state_->top.store(handler_, std::memory_order_release);
    if (!below) state_->replaced = state_->slot->exchange(state_->dispatcher);
    State* state = state_;
    Handler* handler = handler_;
    id_ = mock_detail::register_guard([state, handler] { end(*state, handler); });
  }

  // Takes `handler` out of the chain wherever it is (per-thread mocks of
  // two threads end in any order), and gives the slot back with the last.
  static void end(State& state, const Handler* handler) {
    std::lock_guard<std::mutex> lock(state.mutex);
    const Handler* below = handler->previous.load();
    if (state.top.load() == handler) {
      state.top.store(below, std::memory_order_release);
    } else {
      for (const Handler* h = state.top.load(); h; h = h->previous.load())
        if (h->previous.load() == handler) {
          const_cast<Handler*>(h)->previous.store(below, std::memory_order_release);
          break;
        }
    }
    if (!state.top.load()) state.slot->exchange(state.replaced);
  }

  State* state_ = nullptr;
  Handler* handler_ = nullptr;
  std::size_t id_ = 0;
};

namespace mock_detail {

template <auto Target>
using TargetTraits = Traits<decltype(Target)>;

template <auto Target, class R, class... P>
struct Factory {
  using Guard = Mock<R, P...>;
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

}  // namespace mock_detail

namespace mock_detail {

template <auto Target>
using FactoryOf = typename TargetTraits<Target>::template Bind<Target, Factory>;

// The guard for one replacement of Target, with its conditions.
template <auto Target, class F>
auto make_mock(F&& replacement, std::thread::id thread, const volatile void* object) {
  using Made = FactoryOf<Target>;
  static_assert(ReplacementMustFitTheTarget<decltype(Target), std::decay_t<F>,
                                            Made::template callable<F>()>::value);
  return typename Made::Guard(Made::state(), Made::adapt(std::forward<F>(replacement)), thread,
                              object);
}

}  // namespace mock_detail

// Replaces `Target` with `replacement` while the returned guard lives.
template <auto Target, class F>
auto mock(F&& replacement) {
  return mock_detail::make_mock<Target>(std::forward<F>(replacement), std::thread::id(), nullptr);
}

// The same, for calls from the calling thread only.
template <auto Target, class F>
auto mock(ThisThread, F&& replacement) {
  return mock_detail::make_mock<Target>(std::forward<F>(replacement), std::this_thread::get_id(),
                                        nullptr);
}

// A method replaced for one object only; other objects run the original.
template <auto Target, class Object, class F,
          class = std::enable_if_t<std::is_member_function_pointer_v<decltype(Target)>>>
auto mock(Object& object, F&& replacement) {
  // As the method sees it: the base subobject, for a class with several bases.
  const volatile void* self =
      static_cast<typename mock_detail::TargetTraits<Target>::Object*>(&object);
  return mock_detail::make_mock<Target>(std::forward<F>(replacement), std::thread::id(), self);
}

// A mock that calls the original until told otherwise (.returns(...)).
template <auto Target>
auto mock() {
  using Factory = mock_detail::FactoryOf<Target>;
  auto& state = Factory::state();
  return typename Factory::Guard(
      state, [&state](auto&&... p) { return state.original(std::forward<decltype(p)>(p)...); },
      std::thread::id(), nullptr);
}

// Calls the function's own code, bypassing any mock of it: for replacements
// that wrap the original.
template <auto Target, class... A>
decltype(auto) call_original(A&&... arguments) {
  using Factory = mock_detail::FactoryOf<Target>;
  auto& state = Factory::state();
  if constexpr (std::is_member_function_pointer_v<decltype(Target)>) {
    return [&state](auto& object, auto&&... rest) -> decltype(auto) {
      return state.original(&object, std::forward<decltype(rest)>(rest)...);
    }(std::forward<A>(arguments)...);
  } else {
    return state.original(std::forward<A>(arguments)...);
  }
}

// Records every call (arguments copied at call time) and calls through.
template <class R, class... P>
class [[nodiscard]] Spy {
 public:
  using Call = std::tuple<std::decay_t<P>...>;

  // Calls through to what would run without it: an outer mock, or the
  // function's own code.
  template <class State>
  explicit Spy(State& state) : record_(std::make_shared<Record>()) {
    auto record = record_;
    auto self = std::make_shared<std::atomic<const mock_detail::Handler<R, P...>*>>(nullptr);
    guard_ = std::make_unique<Mock<R, P...>>(
        state,
        [record, self, &state](P... p) -> R {
          {
            std::lock_guard<std::mutex> lock(record->mutex);
            record->calls.emplace_back(p...);
          }
          // (Null only for a call racing with the spy's own set-up.)
          const mock_detail::Handler<R, P...>* spy = self->load();
          return mock_detail::dispatch_from<R, P...>(state, spy ? spy->previous.load() : nullptr,
                                                     std::forward<P>(p)...);
        },
        std::thread::id(), nullptr);
    self->store(guard_->handler());
  }

  std::size_t count() const {
    std::lock_guard<std::mutex> lock(record_->mutex);
    return record_->calls.size();
  }
  // The arguments of every call so far, oldest first (methods: the object
  // pointer first).
  std::vector<Call> calls() const {
    std::lock_guard<std::mutex> lock(record_->mutex);
    return record_->calls;
  }
  void clear() {
    std::lock_guard<std::mutex> lock(record_->mutex);
    record_->calls.clear();
  }

 private:
  struct Record {
    mutable std::mutex mutex;
    std::vector<Call> calls;
  };
  std::shared_ptr<Record> record_;
  std::unique_ptr<Mock<R, P...>> guard_;
};

template <class R, class... P>
Spy<R, P...> make_spy(mock_detail::SlotState<R, P...>& state) {
  return Spy<R, P...>(state);
}

template <auto Target>
auto spy() {
  using Factory = mock_detail::FactoryOf<Target>;
  return make_spy(Factory::state());
}

// Replaces the function called `name` in the registry (free, static,
// anonymous-namespace, private methods: anything instrumented), whose slot
// type is Signature (methods: `R(const Class*, Args...)`, the object pointer
// first). Only the parameter count can be checked against the registry:
// the types are the caller's word.
template <class Signature>
struct ByName;
template <class R, class... P>
struct ByName<R(P...)> {
  template <class F>
  static Mock<R, P...> make(const std::string& name, F&& replacement) {
    static_assert(std::is_invocable_r_v<R, F, P...>,
                  "softpatch::mock_by_name: the replacement cannot be called with the given "
                  "signature's parameters, or its result does not convert");
    Result<Function> f = find_function(name);
    if (!f) throw MockError("softpatch::mock_by_name: " + f.error());
    if (mock_detail::parameter_count(f->signature()) != sizeof...(P))
      throw MockError("softpatch::mock_by_name: " + std::string(f->name()) + " has slot type '" +
                      f->signature() + "', not " + std::to_string(sizeof...(P)) + " parameters");
    if (!f->address())
      throw MockError("softpatch::mock_by_name: " + std::string(f->name()) +
                      " has no address to call the original through");
    auto* state = mock_detail::Pool<R, P...>::assign(
        *f, std::make_index_sequence<mock_detail::Pool<R, P...>::kSize>());
    if (!state) throw MockError("softpatch::mock_by_name: too many functions of one type mocked");
    return Mock<R, P...>(*state, std::function<R(P...)>(std::forward<F>(replacement)),
                         std::thread::id(), nullptr);
  }
};

template <class Signature, class F>
auto mock_by_name(const std::string& name, F&& replacement) {
  return ByName<Signature>::make(name, std::forward<F>(replacement));
}

}  // namespace softpatch

#endif  // SOFTPATCH_MOCK_H
