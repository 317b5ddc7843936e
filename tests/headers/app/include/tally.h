// The header whose bodies the test edits under the running program: an
// in-class method, an inline member defined after its class, an inline free
// function and a static inline one, each called from two files. Its guard
// leaves a line outside, as a version macro does: a second include enters
// it again, declaring nothing.
#define TALLY_VERSION 1

#ifndef TALLY_H
#define TALLY_H

#include <string>

struct Tally {
  int count = 0;
  int add(int n) {
    count += n;
    return count;
  }
  std::string describe() const;
};

inline std::string Tally::describe() const { return "tally " + std::to_string(count); }

inline int twice(int n) { return n * 2; }

static inline int bonus(int n) { return n + 0; }

// Defined in report.cpp: the header's functions called from a second file.
std::string report(Tally& tally, int n);

#endif
