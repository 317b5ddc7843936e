// The file the patch tests edit. Its state must survive every patch.
#include "counter.h"

#include <vector>

int g_total = 0;
int Tally::instances = 0;

namespace {
int hit_count = 0;
constexpr int kLimit = 10;
}  // namespace

static std::vector<int> history;

struct Sample {  // a class this file defines and uses
  int value;
};
static Sample last_sample{0};

static int counted(int step) {
  static int n = 0;
  return n += step;
}

int bump(int by) {
  counted(1);
  ++hit_count;
  history.push_back(by);
  last_sample = Sample{by};
  return g_total += by;
}

int calls() { return counted(0); }
static int quiet(int x) noexcept { return x + 1; }
int quiet_plus(int x) { return quiet(x); }
int hits() { return hit_count; }
std::size_t history_size() { return history.size(); }
int added() { return 0; }
int limit() { return kLimit; }
int bump_twice(int by) {
  bump(by);
  return bump(by);
}
int depth(int n) { return n <= 0 ? 0 : depth(n - 1) + 1; }

struct Gauge {  // a member initialiser: patches may not change it
  Gauge() : level(1) {}
  int level;
};
static Gauge gauge;

// An enum and an instantiation of a class template, each with an object
// that outlives patches: their layouts are checked like a class's.
enum class Mood : unsigned char { calm, busy };
static Mood mood = Mood::calm;
template <class T>
struct Pair {
  T first, second;
};
static Pair<int> pair{1, 2};
int mood_and_pair() { return static_cast<int>(mood) + pair.first + pair.second; }

// An instantiation whose argument is a closure type: nothing names it, so
// it has no layout record that an edit moving the lambda could change.
template <class F>
struct Holder {
  F f;
};
static auto make_held() {
  auto four = [] { return 4; };
  return Holder<decltype(four)>{four};
}
static auto held = make_held();
int held_value() { return held.f(); }
