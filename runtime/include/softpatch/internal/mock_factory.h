// Machinery of softpatch/mock.h: how a replacement becomes a guard. It is
// checked against the target's signature at compile time (one static_assert
// when it does not fit), adapted to what the slot calls (methods: the
// object pointer first), and linked into the slot's chain. Return
// sequences, spies and mock_by_name are built here too. Not for direct use;
// the interface is softpatch/mock.h.
#ifndef SOFTPATCH_INTERNAL_MOCK_FACTORY_H
#define SOFTPATCH_INTERNAL_MOCK_FACTORY_H

#include <atomic>
#include <cstddef>
#include <cstdlib>
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

// Whether calling F with A... gives a temporary where the target returns a
// reference R: the caller would hold a reference to a destroyed value. A
// value is one, and so is a reference to a type that R binds to only by
// conversion (a const char(&)[N] for a const std::string&).
template <class R, class F, class... A>
constexpr bool returns_temporary() {
  if constexpr (std::is_reference_v<R> && std::is_invocable_v<F, A...>) {
    using Result = std::invoke_result_t<F, A...>;
    return !std::is_reference_v<Result> ||
           !std::is_convertible_v<std::remove_reference_t<Result>*, std::remove_reference_t<R>*>;
  } else {
    return false;
  }
}

// The ways a replacement F can stand in for a slot of type R(P...): called
// as the slot calls it, or, when the slot passes an object pointer first,
// with the object by reference.
template <class F, class R, class... P>
struct Forms {
  static constexpr bool as_passed = std::is_invocable_r_v<R, F&, P...>;
  static constexpr bool object_by_reference = false;
  static constexpr bool temporary_as_passed = returns_temporary<R, F&, P...>();
  static constexpr bool temporary_by_reference = false;
};
template <class F, class R, class Object, class... A>
struct Forms<F, R, Object*, A...> {
  static constexpr bool as_passed = std::is_invocable_r_v<R, F&, Object*, A...>;
  static constexpr bool object_by_reference =
      std::is_class_v<Object> && std::is_invocable_r_v<R, F&, Object&, A...>;
  static constexpr bool temporary_as_passed = returns_temporary<R, F&, Object*, A...>();
  static constexpr bool temporary_by_reference = returns_temporary<R, F&, Object&, A...>();
  static std::function<R(Object*, A...)> by_reference(F f) {
    return [f = std::move(f)](Object* self, A... a) mutable -> R {
      return f(*self, std::forward<A>(a)...);
    };
  }
};

// How replacement F stands in for a slot of type R(P...): with the object
// by reference when ByReference, else as the slot calls it.
template <bool ByReference, class F, class R, class... P>
struct Use {
  using Replacement = std::decay_t<F>;
  using Form = Forms<Replacement, R, P...>;
  static constexpr bool by_reference = ByReference;
  static constexpr bool fits = ByReference ? Form::object_by_reference : Form::as_passed;
  static constexpr bool temporary =
      ByReference ? Form::temporary_by_reference : Form::temporary_as_passed;
  static std::function<R(P...)> adapt(F&& replacement) {
    if constexpr (ByReference)
      return Form::by_reference(Replacement(std::forward<F>(replacement)));
    else
      return std::function<R(P...)>(std::forward<F>(replacement));
  }
};

// Instantiated with both types when a replacement does not fit its target:
// the compiler's message names them.
template <class TargetType, class ReplacementType, bool Fits>
struct ReplacementMustFitTheTarget {
  static_assert(Fits,
                "softpatch::mock: the replacement cannot be called with the target's parameters "
                "(methods: the object first, by reference or by pointer), or its result does not "
                "convert to the target's result type; the two types are in this template's "
                "arguments");
};

// Instantiated when the target returns a reference and the replacement a
// value (or a reference that converts into one), which would die before the
// caller reads it.
template <class TargetType, class ReplacementType, bool ReturnsAReference>
struct ReplacementMustReturnAReference {
  static_assert(ReturnsAReference,
                "softpatch::mock: the target returns a reference, and the replacement a value "
                "(or a reference to a type converted into a temporary): the caller would get a "
                "reference to a destroyed temporary; return a reference "
                "to something that outlives the call (a static, a captured object), e.g. "
                "`[&](...) -> const T& { return kept; }`");
};

// Whether the replacement U describes fits its target. When it does not,
// the caller builds no guard and calls report_misfit(), whose one
// static_assert says why: nothing else then fails to compile.
template <class U>
constexpr bool fits = U::fits && !U::temporary;
template <class TargetType, class U>
void report_misfit() {
  using Replacement = typename U::Replacement;
  if constexpr (!U::fits)
    (void)ReplacementMustFitTheTarget<TargetType, Replacement, false>{};
  else
    (void)ReplacementMustReturnAReference<TargetType, Replacement, false>{};
}

// What a spy records of an argument of type T: a copy, and a C string's
// text rather than its pointer.
template <class T>
using Recorded = std::conditional_t<std::is_same_v<std::decay_t<T>, const char*> ||
                                        std::is_same_v<std::decay_t<T>, char*>,
                                    std::string, std::decay_t<T>>;

// Instantiated for the first parameter a spy cannot copy.
template <std::size_t Position, class Parameter, bool Copyable>
struct SpyMustCopyEveryArgument {
  static_assert(Copyable,
                "softpatch::spy: the target has a parameter that cannot be copied (a move-only "
                "type such as std::unique_ptr), so a spy cannot record its calls; its position "
                "(from 0; methods: the object pointer first) and type are in this template's "
                "arguments. Mock the function with a replacement that keeps what the test needs");
};

template <class... P>
constexpr bool spy_can_record = (std::is_copy_constructible_v<Recorded<P>> && ...);

// The one static_assert for the first parameter from Position on that a
// spy cannot record.
template <std::size_t Position, class First, class... Rest>
void report_uncopyable() {
  if constexpr (!spy_can_record<First>)
    (void)SpyMustCopyEveryArgument<Position, First, false>{};
  else
    report_uncopyable<Position + 1, Rest...>();
}

template <auto Target, class R, class... P>
struct Factory {
  using Guard = Mock<R, P...>;
  using SpyGuard = Spy<R, P...>;
  using State = SlotState<R, P...>;
  static constexpr bool kMethod = std::is_member_function_pointer_v<decltype(Target)>;

  static State& state() {
    return Static<Target, R, P...>::prepared(target_name(pretty_name<Target>()));
  }
  // A method's replacement takes the object by reference (as the method's
  // body sees it) unless it takes only the pointer the slot passes.
  template <class F>
  using UseOf = Use<kMethod && Forms<std::decay_t<F>, R, P...>::object_by_reference, F, R, P...>;

  // A guard whose replacement calls the function's own code and returns
  // exactly what it returns (the same reference, the move-only value).
  static Guard pass_through() {
    State& chain = state();
    return Guard(
        chain,
        [&chain](P... p) -> R { return run_own_code<R, P...>(chain, std::forward<P>(p)...); },
        std::thread::id(), nullptr);
  }
  // The spy, when it can record the arguments (else one static_assert says
  // why not).
  static SpyGuard spy() {
    if constexpr (spy_can_record<P...>) {
      return SpyGuard(state());
    } else {
      report_uncopyable<0, P...>();
      std::abort();  // never runs: the build stops at the message
    }
  }
};

template <auto Target>
using FactoryOf = typename TargetTraits<Target>::template Bind<Target, Factory>;

// The guard for one replacement of Target, with its conditions.
template <auto Target, class F>
typename FactoryOf<Target>::Guard make_mock(F&& replacement, std::thread::id thread,
                                            const volatile void* object) {
  using Made = FactoryOf<Target>;
  using U = typename Made::template UseOf<F>;
  if constexpr (fits<U>) {
    return
        typename Made::Guard(Made::state(), U::adapt(std::forward<F>(replacement)), thread, object);
  } else {
    report_misfit<decltype(Target), U>();
    std::abort();  // never runs: the build stops at the message
  }
}

// `object` as the method Target sees it: the base subobject, for a class
// with several bases.
template <auto Target, class Object>
const volatile void* object_address(Object& object) {
  return static_cast<typename TargetTraits<Target>::Object*>(&object);
}

// The object as the slot passes it: a pointer, from a reference or a
// pointer.
template <class Object>
auto* object_pointer(Object&& object) {
  if constexpr (std::is_pointer_v<std::remove_reference_t<Object>>)
    return object;
  else
    return &object;
}

// The function's own code, called once past every mock of it (methods: the
// object first, by reference or by pointer).
template <auto Target, class... A>
decltype(auto) call_original(A&&... arguments) {
  auto& state = FactoryOf<Target>::state();
  if constexpr (std::is_member_function_pointer_v<decltype(Target)>) {
    return [&state](auto&& object, auto&&... rest) -> decltype(auto) {
      return call_own_code(state, object_pointer(object), std::forward<decltype(rest)>(rest)...);
    }(std::forward<A>(arguments)...);
  } else {
    return call_own_code(state, std::forward<A>(arguments)...);
  }
}

// What a guard keeps private, for the machinery that builds on guards.
struct GuardAccess {
  template <class R, class... P>
  static const Handler<R, P...>* handler(const Mock<R, P...>& guard) {
    return guard.handler_;
  }

  // Ends `guard` and returns one with its conditions that answers `values`
  // in turn (the last one repeats). For a reference result, the answers are
  // references to the mock's own copies, which live as long as the process.
  template <class R, class... P, class... V>
  static Mock<R, P...> answer_in_turn(Mock<R, P...>& guard, V&&... values) {
    using Value = std::decay_t<R>;
    static_assert(std::is_copy_constructible_v<Value> && !std::is_rvalue_reference_v<R>,
                  "softpatch::mock().returns(): the answers are copies of the values given, so "
                  "a target with a move-only or rvalue reference result needs a replacement");
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

// An argument as a spy keeps it (Stored is its Recorded<> type): a null C
// string is kept as "".
template <class Stored, class A>
Stored recorded(const A& argument) {
  if constexpr (std::is_same_v<Stored, std::string> && std::is_pointer_v<A>)
    return argument ? Stored(argument) : Stored();
  else
    return Stored(argument);
}

// While one lives, the calling thread is copying what a spy records. Those
// copies are not the program's calls: no spy records them (a spied copy
// constructor would recurse, or wait for the record's own lock).
struct Copying {
  static inline thread_local bool now = false;
  bool was = now;
  Copying() { now = true; }
  ~Copying() { now = was; }
};

// The calls a spy has seen.
template <class Call>
class CallRecord;
template <class... Stored>
class CallRecord<std::tuple<Stored...>> {
 public:
  using Call = std::tuple<Stored...>;
  template <class... A>
  void add(const A&... arguments) {
    Copying copying;
    Call call(recorded<Stored>(arguments)...);
    std::lock_guard<std::mutex> lock(mutex_);
    calls_.push_back(std::move(call));
  }
  std::size_t count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_.size();
  }
  std::vector<Call> calls() const {
    Copying copying;
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_;
  }
  void clear() {
    Copying copying;
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
        if (!Copying::now) record->add(p...);
        // (Null only for a call racing with the spy's own set-up.)
        const Handler<R, P...>* spy = self->load();
        return dispatch_from<R, P...>(state, spy ? spy->previous.load() : nullptr,
                                      std::forward<P>(p)...);
      },
      std::thread::id(), nullptr);
  self->store(GuardAccess::handler(*guard));
  return guard;
}

// mock_by_name: Signature is the slot's type, checked against the
// registry's when the mock is made.
template <class Signature>
struct ByName {
  static_assert(std::is_function_v<Signature>,
                "softpatch::mock_by_name<Signature>: Signature is the slot's function type, "
                "e.g. int(const Store*, int)");
};
template <class R, class... P>
struct ByName<R(P...)> {
  // The replacement takes the slot's parameters as given, or, for a method,
  // the object by reference instead of its pointer.
  template <class F>
  using UseOf = Use<!Forms<std::decay_t<F>, R, P...>::as_passed &&
                        Forms<std::decay_t<F>, R, P...>::object_by_reference,
                    F, R, P...>;

  template <class F>
  static Mock<R, P...> make(const std::string& name, F&& replacement) {
    if constexpr (fits<UseOf<F>>) {
      return make_for(resolve_by_name(name, type_spelling<R>(), {type_spelling<P>()...}),
                      std::forward<F>(replacement));
    } else {
      report_misfit<R(P...), UseOf<F>>();
      std::abort();  // never runs: the build stops at the message
    }
  }
  // The same, for `f` found already (of this slot type), for calls from
  // `thread` only unless it is the default id.
  template <class F>
  static Mock<R, P...> make_for(const Function& f, F&& replacement,
                                std::thread::id thread = std::thread::id()) {
    using U = UseOf<F>;
    if constexpr (fits<U>) {
      if (U::by_reference && !f.is_method())
        fail("softpatch::mock_by_name: " + std::string(f.name()) +
             " is not a method, so its replacement takes its first parameter as given, not "
             "by reference");
      SlotState<R, P...>* state = Pool<R, P...>::assign(f);
      if (!state)
        fail(std::string(f.is_constructor_or_destructor() ? "softpatch::mock_constructor"
                                                          : "softpatch::mock_by_name") +
             ": too many functions of one type mocked");
      return Mock<R, P...>(*state, U::adapt(std::forward<F>(replacement)), thread, nullptr);
    } else {
      report_misfit<R(P...), U>();
      std::abort();  // never runs: the build stops at the message
    }
  }
};

// Whether a constructor's or destructor's body takes a parameter declared T
// as it is (pointers, references, member pointers), as the rewriter passes
// it; anything else reaches the body by reference (nothing is copied).
template <class T>
inline constexpr bool kBodyTakesAsDeclared =
    std::is_reference_v<T> || std::is_pointer_v<T> || std::is_member_pointer_v<T>;

// The type in which a body's slot takes a parameter declared T.
template <class T>
using BodyParameter = std::conditional_t<kBodyTakesAsDeclared<T>, T, T&>;

// Finds the body of the constructor of the class `type` (a type_spelling()
// text) whose slot takes `parameters` (the object pointer first, then the
// constructor's as declared), or of its destructor; throws MockError naming
// the class's instrumented ones when none fits.
Function resolve_body(const char* type, bool destructor,
                      std::initializer_list<const char*> parameters);

// mock_constructor, spy_constructor, mock_destructor, spy_destructor.
template <class Signature, bool Destructor>
struct Body {
  static_assert(std::is_function_v<Signature>,
                "softpatch::mock_constructor<Signature>: Signature is the class and the "
                "constructor's parameters, e.g. Widget(int, const std::string&)");
};
template <class C, class... A, bool Destructor>
struct Body<C(A...), Destructor> {
  static_assert(std::is_class_v<C>,
                "softpatch::mock_constructor<Signature>: Signature is the class and the "
                "constructor's parameters, e.g. Widget(int, const std::string&)");
  using Slot = ByName<void(C*, BodyParameter<A>...)>;
  using SpyGuard = Spy<void, C*, BodyParameter<A>...>;

  static Function find() {
    return resolve_body(type_spelling<C>(), Destructor,
                        {type_spelling<C*>(), type_spelling<A>()...});
  }
  template <class F>
  static Mock<void, C*, BodyParameter<A>...> mock(F&& replacement,
                                                  std::thread::id thread = std::thread::id()) {
    if constexpr (fits<typename Slot::template UseOf<F>>) {
      return Slot::make_for(find(), std::forward<F>(replacement), thread);
    } else {
      report_misfit<void(C*, BodyParameter<A>...), typename Slot::template UseOf<F>>();
      std::abort();  // never runs: the build stops at the message
    }
  }
  static SpyGuard spy() {
    if constexpr (spy_can_record<C*, BodyParameter<A>...>) {
      auto* state = Pool<void, C*, BodyParameter<A>...>::assign(find());
      if (!state)
        fail(std::string(Destructor ? "softpatch::spy_destructor" : "softpatch::spy_constructor") +
             ": too many functions of one type mocked");
      return SpyGuard(*state);
    } else {
      report_uncopyable<0, C*, BodyParameter<A>...>();
      std::abort();  // never runs: the build stops at the message
    }
  }
};

}  // namespace mock_detail
}  // namespace softpatch

#endif  // SOFTPATCH_INTERNAL_MOCK_FACTORY_H
