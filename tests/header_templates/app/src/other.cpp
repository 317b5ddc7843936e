#include <string>

#include "gauge.h"

static int same(int v) { return v; }

std::string other(int n) {
  if (gauge::apply(&same, n) != n) return "?";
  gauge::Meter<int> meter;
  return std::to_string(gauge::scaled(n)) + " " + std::to_string(meter.read(n)) + " " +
         meter.unit() + " " + std::to_string(gauge::offset(static_cast<long>(n)));
}
