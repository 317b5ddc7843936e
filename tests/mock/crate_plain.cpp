// Compiled without softpatch (a plain object library): its twice<short> is a
// plain instantiation under the plain name, which the linker keeps apart
// from the instrumented one (theirs carries an ABI tag).
#include "crate.h"

namespace crate {

short twice_plainly(short x) {
  // Through a pointer, so that the copy is emitted, not inlined.
  short (*volatile function)(short) = &twice<short>;
  return function(x);
}

}  // namespace crate
