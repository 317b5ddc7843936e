// Included first by every file that softpatch-rewrite instruments. Keep it
// small: it is parsed once per instrumented translation unit. Valid C++11.
#ifndef SOFTPATCH_INTERNAL_INSTRUMENT_H
#define SOFTPATCH_INTERNAL_INSTRUMENT_H

#include "slot.h"

namespace softpatch {
namespace internal {

// Calls a slot target of type R(Params...) with arguments perfectly forwarded:
// by-value parameters are moved into the call, never copied.
template <class R, class... Params, class... Args>
inline R call_target(RawFunction target, Args&&... args) {
  return reinterpret_cast<R (*)(Params...)>(target)(static_cast<Args&&>(args)...);
}

// R (*)(Params...) without the declarator syntax, which cannot be pasted
// together when R is itself a function pointer.
template <class R, class... Params>
using FunctionPointer = R (*)(Params...);

}  // namespace internal
}  // namespace softpatch

#endif  // SOFTPATCH_INTERNAL_INSTRUMENT_H
