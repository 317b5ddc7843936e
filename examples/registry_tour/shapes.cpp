// Ordinary code: nothing here knows about softpatch.
#include "shapes.h"

namespace shapes {
namespace {
int calls = 0;  // file-local state: recorded so that patches can bind to it
}  // namespace

double area(const Rect& r) {
  ++calls;
  return r.width * r.height;
}

double perimeter(const Rect& r) { return 2 * (r.width + r.height); }

void Canvas::add(const Rect& r) {
  covered_ += area(r);
  ++count_;
}

double Canvas::covered() const { return covered_; }

}  // namespace shapes
