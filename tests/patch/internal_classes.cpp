// Classes in an anonymous namespace: their methods have no symbols for the
// loader to find, and some are private. The patch tests edit each of them.
#include "internal_classes.h"

#include <string>

namespace {

class Meter {
 public:
  explicit Meter(int start) : value_(start) {}
  virtual ~Meter() = default;
  int read() const { return scaled(value_); }
  void add(int n) { value_ += n; }
  virtual std::string kind() const { return "meter"; }
  static int unit() { return 1; }
  std::string take() && { return "taken " + std::to_string(value_); }

 private:
  struct Scale {
    int factor;
  };
  int scaled(int v) const { return apply(Scale{1}, v); }
  static int apply(Scale s, int v) { return s.factor * v; }

  int value_;
};

class Gauge : public Meter {
 public:
  using Meter::Meter;
  std::string kind() const override { return "gauge"; }
};

Meter meter(5);
Gauge gauge(0);

}  // namespace

int meter_read() { return meter.read(); }
void meter_add(int n) { meter.add(n); }
std::string meter_kind() {
  const Meter& base = gauge;
  return base.kind() + "/" + meter.kind();
}
int meter_unit() { return Meter::unit(); }
std::string meter_take() { return Meter(7).take(); }
