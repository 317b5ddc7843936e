#ifndef SOFTPATCH_TESTS_PATCH_SHAPES_H
#define SOFTPATCH_TESTS_PATCH_SHAPES_H

#include <mutex>
#include <stdexcept>
#include <string>

// State from a header: one instance for the program and every patch.
struct Registry {
  int constructions = 0;
  int entries = 0;
  Registry() { ++constructions; }
};
inline Registry& registry() {
  static Registry instance;  // a Meyers singleton
  return instance;
}
inline int g_inline_counter = 0;  // an inline variable

struct ShapeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Shape {
  virtual ~Shape();
  virtual int sides() const = 0;
};
struct Square : Shape {
  int sides() const override;
};

extern thread_local int tl_calls;  // defined in shapes.cpp
extern std::mutex g_mutex;

int use_header_state();  // touches registry() and g_inline_counter
int thread_calls();      // counts calls per thread in tl_calls and a file-static thread_local
int sides_of(const Shape& shape);  // dynamic_cast and typeid
int throw_or_catch(int how);       // 1: throws ShapeError; 2: catches one thrown by old code
int rethrow_shape_error();         // old code that throws ShapeError
int locked_increment();            // takes g_mutex

#endif
