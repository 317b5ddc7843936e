// State that must survive patches: thread_locals, a mutex, header singletons,
// vtables and typeinfo, exceptions across the patch boundary.
#include "shapes.h"

#include <typeinfo>

thread_local int tl_calls = 0;
std::mutex g_mutex;

static thread_local int tl_local = 0;
static int locked = 0;

Shape::~Shape() = default;
int Square::sides() const { return 4; }

int use_header_state() {
  ++g_inline_counter;
  return ++registry().entries;
}

int thread_calls() { return ++tl_calls + 0 * ++tl_local; }

int sides_of(const Shape& shape) {
  if (dynamic_cast<const Square*>(&shape) && typeid(shape) == typeid(Square)) return shape.sides();
  return -1;
}

int throw_or_catch(int how) {
  if (how == 1) throw ShapeError("from the file");
  try {
    return rethrow_shape_error();
  } catch (const ShapeError&) {
    return 2;
  }
}

int rethrow_shape_error() { throw ShapeError("old"); }

int locked_increment() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return ++locked;
}
