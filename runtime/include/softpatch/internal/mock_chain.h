// Machinery of softpatch/mock.h: the chain of a mocked slot's handlers.
// Each guard links one handler on top; ending a guard unlinks its handler
// wherever it is in the chain and leaves the others linked, so guards end in
// any order. The slot points at a dispatcher while the chain is not empty
// and gets back what it held before when the last handler is unlinked. A
// call runs the first handler that applies to it (its thread, its object),
// else the function's own code. A function with a slot in several modules
// (a header template's instantiation in a library and in the program) has
// one chain for all of them; each slot has a dispatcher of its own, so that
// the function's own code that runs is the calling module's. Not for direct
// use; the interface is softpatch/mock.h.
#ifndef SOFTPATCH_INTERNAL_MOCK_CHAIN_H
#define SOFTPATCH_INTERNAL_MOCK_CHAIN_H

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "softpatch/internal/registry_state.h"
#include "softpatch/internal/slot.h"

namespace softpatch {
namespace mock_detail {

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

// The function's slots in modules other than the first's that one chain
// serves, at most this many.
inline constexpr std::size_t kOtherSlots = 3;

// One of them: what it held before the first mock, its module's own code.
// Found again whenever the chain's first handler links (a library may have
// come or gone since).
struct OtherSlot {
  std::atomic<internal::Slot*> slot{nullptr};
  std::atomic<internal::RawFunction> replaced{nullptr};
  // Null: run the first module's (SlotState::original).
  std::atomic<internal::RawFunction> code{nullptr};
};

// A slot of the function `id` in another module, with that module's own
// code of it when the module has one of its own (else null).
struct OtherCopy {
  internal::Slot* slot;
  internal::RawFunction code;
};

// The function's slots in the other modules, at most kOtherSlots (more are
// said on stderr when its first mock is made). Calls the dynamic loader:
// never under a chain's mutex. Implemented in the runtime.
std::vector<OtherCopy> other_copies(const std::string& id);

// The state of one mocked slot.
template <class R, class... P>
struct SlotState {
  internal::Slot* slot = nullptr;
  // What the slot held before the first mock: a live patch's code, or null.
  std::atomic<internal::RawFunction> replaced{nullptr};
  std::atomic<const Handler<R, P...>*> top{nullptr};
  R (*original)(P...) = nullptr;  // runs the function's code as built
  // The slot the code `original` calls reads, which it bypasses: the first
  // slot, or another module's when that module's copy is the one called.
  internal::Slot* original_slot = nullptr;
  internal::RawFunction dispatcher = nullptr;  // what the slot holds while mocked
  internal::RawFunction address = nullptr;     // the function's code, when known
  OtherSlot others[kOtherSlots];               // the first other_count are in use
  std::atomic<std::size_t> other_count{0};
  // What others[k] points at while mocked.
  std::array<internal::RawFunction, kOtherSlots> other_dispatchers{};
  std::string id;    // the function's, to find its other slots
  std::mutex mutex;  // for linking and unlinking handlers
  // Every handler ever made for this slot: one that ended may still be
  // running in another thread, so none is freed before exit.
  std::vector<std::unique_ptr<Handler<R, P...>>> handlers;
};

// Registers an active guard; returns its id. Ending one (or resetting all)
// calls `end`. Implemented in the runtime.
std::size_t register_guard(std::function<void()> end);
bool unregister_guard(std::size_t id);  // false once reset_mocks() ended it

// The slot the calling thread's innermost mocked call came through, as the
// dispatcher found it on entry, so that a handler's pass-through runs the
// calling module's code. One per thread for the whole process (it lives in
// the runtime): a chain may have been made in another module than the one
// whose mock passes a call through.
struct EnteredThrough {
  const void* state = nullptr;               // the chain's SlotState
  internal::Slot* slot = nullptr;            // null: the chain's first slot
  internal::RawFunction code = nullptr;      // that module's own copy, or null
  internal::RawFunction replaced = nullptr;  // what that slot held before the mock
};
EnteredThrough& entered_through() noexcept;  // the calling thread's

// Sets the calling thread's EnteredThrough for a call's duration.
class EntryScope {
 public:
  explicit EntryScope(const EnteredThrough& now) : outer_(entered_through()) {
    entered_through() = now;
  }
  ~EntryScope() { entered_through() = outer_; }
  EntryScope(const EntryScope&) = delete;
  EntryScope& operator=(const EntryScope&) = delete;

 private:
  EnteredThrough outer_;
};

// Runs the function's own code, the code that runs when no mock is there: a
// live patch's, when one holds the slot, else the build's; the module's the
// call came from.
template <class R, class... P>
R run_own_code(SlotState<R, P...>& state, P... p) {
  const EnteredThrough& through = entered_through();
  if (through.state == &state && through.slot) {
    if (through.replaced)
      return reinterpret_cast<R (*)(P...)>(through.replaced)(std::forward<P>(p)...);
    if (through.code) {
      internal::bypass_once(*through.slot);
      return reinterpret_cast<R (*)(P...)>(through.code)(std::forward<P>(p)...);
    }
  } else {
    internal::RawFunction patched = state.slot->current();
    if (patched == state.dispatcher) patched = state.replaced.load();
    if (patched) return reinterpret_cast<R (*)(P...)>(patched)(std::forward<P>(p)...);
  }
  return state.original(std::forward<P>(p)...);
}

// The same, with arguments that convert to the slot's parameters.
template <class R, class... P, class... A>
R call_own_code(SlotState<R, P...>& state, A&&... arguments) {
  return run_own_code<R, P...>(state, std::forward<A>(arguments)...);
}

// Runs the first handler from `first` on that applies to this call, or the
// function's own code.
template <class R, class... P>
R dispatch_from(SlotState<R, P...>& state, const Handler<R, P...>* first, P... p) {
  for (const Handler<R, P...>* h = first; h; h = h->previous.load(std::memory_order_acquire))
    if (h->applies(p...)) return h->replacement(std::forward<P>(p)...);
  return run_own_code<R, P...>(state, std::forward<P>(p)...);
}

// What a slot of the chain points at while mocked: Through is 0 for the
// first slot, k for others[k - 1].
template <std::size_t Through, class R, class... P>
R dispatch(SlotState<R, P...>& state, P... p) {
  EnteredThrough now{&state};
  if constexpr (Through > 0) {
    const OtherSlot& other = state.others[Through - 1];
    now = {&state, other.slot.load(), other.code.load(), other.replaced.load()};
  }
  EntryScope entry(now);
  return dispatch_from<R, P...>(state, state.top.load(std::memory_order_acquire),
                                std::forward<P>(p)...);
}

// The other modules' slots of a chain as they are now, and the count of
// libraries closed when they were found: they may be written only while
// none has been closed since (internal::while_no_departures_since).
struct OtherSlotsNow {
  std::uint64_t departures;
  std::vector<OtherCopy> copies;
};
inline OtherSlotsNow other_slots_now(const std::string& id) {
  std::uint64_t departures = internal::unit_departures();
  return {departures, id.empty() ? std::vector<OtherCopy>() : other_copies(id)};
}

// Points the function's slots in other modules at their dispatchers, as the
// first handler links. Under state.mutex; the slots are written under the
// registry's lock, so that none belongs to a library closed meanwhile (then
// they are found again).
template <class R, class... P>
void take_other_slots(SlotState<R, P...>& state, OtherSlotsNow now) {
  for (int attempt = 0; attempt < 3; ++attempt, now = other_slots_now(state.id)) {
    std::size_t count = now.copies.size() < kOtherSlots ? now.copies.size() : kOtherSlots;
    bool taken = internal::while_no_departures_since(now.departures, [&] {
      for (std::size_t k = 0; k < count; ++k) {
        OtherSlot& other = state.others[k];
        other.slot.store(now.copies[k].slot);
        other.code.store(now.copies[k].code);
        other.replaced.store(now.copies[k].slot->current());
        other.replaced.store(now.copies[k].slot->exchange(state.other_dispatchers[k]));
      }
      state.other_count.store(count);
    });
    if (taken) return;
  }
  // Libraries came and went each time: the first slot alone, said.
  state.other_count.store(0);
  std::fprintf(stderr,
               "softpatch::mock: warning: libraries were closed while %s was being mocked: "
               "calls from its copies in other modules run the real function\n",
               state.id.c_str());
}

// Gives the other modules' slots back as the last handler unlinks: each
// that is still registered and still holds its dispatcher (a library
// opened again at the same address has a slot of its own now). Under
// state.mutex.
template <class R, class... P>
void give_other_slots_back(SlotState<R, P...>& state, OtherSlotsNow now) {
  for (int attempt = 0; attempt < 3; ++attempt, now = other_slots_now(state.id)) {
    bool given = internal::while_no_departures_since(now.departures, [&] {
      for (std::size_t k = 0; k < state.other_count.load(); ++k) {
        internal::Slot* slot = state.others[k].slot.load();
        for (const OtherCopy& live : now.copies)
          if (live.slot == slot)
            slot->replace(state.other_dispatchers[k], state.others[k].replaced.load());
      }
    });
    if (given) break;
  }
  state.other_count.store(0);
}

// Links a new handler on top of the chain (pointing the slot at the
// dispatcher if it is the first) and returns it.
template <class R, class... P>
Handler<R, P...>* link(SlotState<R, P...>& state, std::function<R(P...)> replacement,
                       std::thread::id thread, const volatile void* object) {
  OtherSlotsNow others = other_slots_now(state.id);  // (before the lock: it calls the loader)
  std::lock_guard<std::mutex> lock(state.mutex);
  Handler<R, P...>* handler =
      state.handlers.emplace_back(std::make_unique<Handler<R, P...>>()).get();
  handler->replacement = std::move(replacement);
  handler->thread = thread;
  handler->object = object;
  const Handler<R, P...>* below = state.top.load();
  handler->previous.store(below);
  state.top.store(handler, std::memory_order_release);
  // What the slot holds is known before the dispatcher takes it: a call that
  // no handler takes runs it meanwhile.
  if (!below) {
    state.replaced.store(state.slot->current());
    state.replaced.store(state.slot->exchange(state.dispatcher));
    take_other_slots(state, std::move(others));
  }
  return handler;
}

// Takes `handler` out of the chain wherever it is, leaving every other
// handler in force, and gives the slot back with the last. A call already
// running `handler` finishes; later calls skip it.
template <class R, class... P>
void unlink(SlotState<R, P...>& state, const Handler<R, P...>* handler) {
  OtherSlotsNow others = other_slots_now(state.id);  // (before the lock: it calls the loader)
  std::lock_guard<std::mutex> lock(state.mutex);
  const Handler<R, P...>* below = handler->previous.load();
  if (state.top.load() == handler) {
    state.top.store(below, std::memory_order_release);
  } else {
    for (const Handler<R, P...>* h = state.top.load(); h; h = h->previous.load())
      if (h->previous.load() == handler) {
        const_cast<Handler<R, P...>*>(h)->previous.store(below, std::memory_order_release);
        break;
      }
  }
  if (state.top.load()) return;
  state.slot->exchange(state.replaced.load());
  give_other_slots_back(state, std::move(others));
}

}  // namespace mock_detail
}  // namespace softpatch

#endif  // SOFTPATCH_INTERNAL_MOCK_CHAIN_H
