// Compiled without softpatch (a plain object library): its copy of the
// header's functions is the plain one, which a mock does not reach.
#include "shelf.h"

namespace shelf {

bool empty_plainly(const Shelf& s) {
  // Through a pointer, so that the copy is emitted, not inlined.
  bool (Shelf::*volatile method)() const = &Shelf::empty;
  return (s.*method)();
}

}  // namespace shelf
