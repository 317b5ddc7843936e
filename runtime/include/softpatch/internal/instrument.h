// Included first by every file that softpatch-rewrite instruments. Keep it
// small: it is parsed once per instrumented translation unit. Valid C++11.
#ifndef SOFTPATCH_INTERNAL_INSTRUMENT_H
#define SOFTPATCH_INTERNAL_INSTRUMENT_H

#include "slot.h"

namespace softpatch {
namespace internal {

// Calls a slot target of type R(Params...) with arguments perfectly forwarded:
// by-value parameters are moved into the call, never copied. Out of line and
// cold: the instrumented function only passes references on its unlikely
// path, which keeps instrumented code (and its compile time) small, and one
// instantiation serves every function of the same signature.
template <class R, class... Params, class... Args>
__attribute__((noinline, cold)) R call_target(RawFunction target, Args&&... args) {
  return reinterpret_cast<R (*)(Params...)>(target)(static_cast<Args&&>(args)...);
}

// R (*)(Params...) without the declarator syntax, which cannot be pasted
// together when R is itself a function pointer.
template <class R, class... Params>
using FunctionPointer = R (*)(Params...);

}  // namespace internal
}  // namespace softpatch

#endif  // SOFTPATCH_INTERNAL_INSTRUMENT_H
