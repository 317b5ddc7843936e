// Functions defined in a header, which every file that includes it
// compiles: softpatch instruments them in each file's copy of the header,
// and one mock reaches the calls of all of them.
#pragma once

namespace shelf {

class Shelf {
 public:
  explicit Shelf(int start = 0) : count_(start) {}  // a constructor defined in its class
  int size() const { return count_; }               // a member too
  bool empty() const { return count_ == 0; }
  void add(int n);  // an inline member defined below
  friend int weight(const Shelf& s) { return s.count_ * 2; }

 private:
  int count_ = 0;
};
int weight(const Shelf& s);

inline void Shelf::add(int n) { count_ += n; }

// One function per file (internal linkage), each file's copy instrumented.
static inline int limit() { return 10; }

// Stays plain: its static variable would be a second object in a file that
// compiles this header without softpatch.
inline int& served() {
  static int n = 0;
  return n;
}

// Defined in shelf_users.cpp: calls of the header's functions from a
// second file.
int size_elsewhere(const Shelf& s);
int weight_elsewhere(const Shelf& s);
int limit_elsewhere();
void add_elsewhere(Shelf& s, int n);
Shelf made_elsewhere(int start);

// Defined in shelf_plain.cpp, which is compiled without softpatch.
bool empty_plainly(const Shelf& s);

}  // namespace shelf
