#pragma once

#include <functional>
#include <memory>
#include <string>

// What check.sh edits while the program runs: constructors' and a
// destructor's bodies, and a free function.
class Basket {
 public:
  explicit Basket(int items);
  ~Basket();
  int bonus() const { return bonus_; }

  static int open;
  static int closed;

 private:
  int items_;
  int bonus_ = 0;
};

#define KINDS_ONE 1

// Keeps a reference to the name its constructor was given.
struct Tag {
  const std::string& text;
};

// A constructor whose parameters are hard to pass on: by value and kept by
// reference in an initialiser, const and move-only, an rvalue reference,
// unnamed (a function pointer's too), an array its definition writes as one
// and a const its definition alone says, with a default argument that a
// macro writes.
class Label {
 public:
  Label(std::string name, const std::unique_ptr<int> weight, std::string&& note, int, void (*)(int),
        const char* prefix, int scale = KINDS_ONE);
  int length() const { return length_; }
  void set_length(int length) { length_ = length; }  // for its mock

 private:
  Tag tag_;
  int weight_;
  int length_ = 0;
};

int price(int n);

// A callback that main makes once and keeps: a lambda that captures
// nothing, whose new body a patch gives the closure made before it.
std::function<int(int)> make_discount();
// One that captures a value: a patch's body reads it from the closure made
// before, unless the patch changes what the lambda captures (then the
// closure runs the old body, and the patch says so).
std::function<int(int)> make_markup(int percent);

// A till whose adder captures `this` and a value of its own, and is mutable.
struct Till {
  int total = 0;
  std::function<int(int)> adder();
};

// Made and destroyed for each number by main.cpp: a constructor defined in
// its class and a destructor defined after it, in this header, whose bodies
// a patch of the header replaces.
class Visit {
 public:
  explicit Visit(int n) : n_(n) { visits += n_; }
  ~Visit();

  static int visits;

 private:
  int n_;
};

inline Visit::~Visit() { visits += 0; }

// shop.cpp's constexpr fee(), which only that file can call by name: main
// keeps a pointer to it, made once, which a patch of it must still reach.
int (*fee_pointer())(int);
