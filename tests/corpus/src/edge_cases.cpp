// Exercises constructs that once broke the instrumented copy: deduced lambda
// and local-class returns, decltype trailing returns, friends taking private
// types, structured bindings, namespaces inside extern "C", and macros that
// clash with common words.
#include <cstdio>
#include <string>

#include "corpus.h"

#define internal static
#define current not_the_one_you_want

namespace {
internal int internal_counter = 0;
}

auto make_adder(int k) {
  return [k](int x) { return x + k; };
}
auto make_pair_like() {
  struct Pair {
    int first, second;
  };
  return Pair{3, 4};
}
auto widened_sum(int a, long b) -> decltype(a + b) { return a + b; }

class Vault {
  struct Key {
    int code;
  };
  friend int open_vault(Key key);

 public:
  static int try_open() { return open_vault(Key{7}); }
};
int open_vault(Vault::Key key) { return key.code * 6; }

struct Point {
  int x, y;
};
namespace {
auto [origin_x, origin_y] = Point{5, 9};
}

extern "C" {
namespace c_api {
int c_api_double(int x) { return 2 * x; }
}  // namespace c_api
}

int current_level() { return ++internal_counter; }

// A struct whose name a function shares, as `struct stat` and stat() do:
// generated code that names the type must write `struct`.
struct corpus_stat {
  int size;
};
int corpus_stat(const char* path, struct corpus_stat* out) {
  out->size = static_cast<int>(std::string(path).size());
  return 0;
}
int stat_size(const struct corpus_stat& s) { return s.size; }

// A decltype return naming a parameter, for a type of another namespace.
namespace formats {
struct Context {
  using iterator = std::string;
  iterator out() const { return "out"; }
};
}  // namespace formats
namespace printing {
struct Formatter {
  auto format(int n, formats::Context& ctx) const -> decltype(ctx.out()) {
    return ctx.out() + std::to_string(n);
  }
};
}  // namespace printing

// Code for one compiler only, as portable libraries write it: the
// rewriter's Clang parse takes one branch, g++ the other.
#ifdef __clang__
const char* compiled_by() { return "a compiler"; }
#else
const char* compiled_by() { return "a compiler"; }
#endif
#ifdef __has_feature
#define CORPUS_HAS_FEATURE(x) __has_feature(x)
#else
#define CORPUS_HAS_FEATURE(x) 0
#endif
#if CORPUS_HAS_FEATURE(cxx_strong_enums)
enum big_enum : unsigned long long { big_enum_value = 5000000000ULL };
unsigned long long as_number(big_enum e) { return e; }
#else
unsigned long long as_number(unsigned long long e) { return e; }
const unsigned long long big_enum_value = 5000000000ULL;
#endif

void run_edge_cases() {
  report("edge_cases", "make_adder(3)(4)", make_adder(3)(4));
  auto pair = make_pair_like();
  report("edge_cases", "local struct", pair.first + pair.second);
  report("edge_cases", "widened_sum", static_cast<int>(widened_sum(2, 40)));
  report("edge_cases", "friend with private type", Vault::try_open());
  report("edge_cases", "structured binding", origin_x * 10 + origin_y);
  report("edge_cases", "extern C namespace", c_api::c_api_double(21));
  current_level();
  report("edge_cases", "macro-named function twice", current_level());
  struct corpus_stat stat {};
  corpus_stat("four", &stat);
  report("edge_cases", "a struct named as a function", stat_size(stat));
  formats::Context context;
  report("edge_cases", "decltype return of a parameter", printing::Formatter().format(2, context));
  report("edge_cases", "one compiler's code", compiled_by());
  report("edge_cases", "one compiler's enum", as_number(big_enum_value));
}
