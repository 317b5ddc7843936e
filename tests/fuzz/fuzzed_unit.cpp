// An instrumented file whose functions and classes the manifest fuzzer's
// patches claim to replace: free, file-local, noexcept and member
// functions, and a class with a layout.
#include <string>

class Gauge {
 public:
  int read() const { return value_; }
  void add(int n) { value_ += n; }

 private:
  int value_ = 0;
  std::string name_;
};

namespace {
int scaled(int x) { return x * 3; }
}  // namespace

int fuzzed_answer() { return 41; }
int fuzzed_quiet() noexcept { return 1; }
long fuzzed_sum(long a, long b) { return a + b + scaled(0); }
int fuzzed_gauge() {
  Gauge g;
  g.add(2);
  return g.read();
}
