#include <string>

#include "gauge.h"

std::string other(int n) {
  gauge::Meter<int> meter;
  return std::to_string(gauge::scaled(n)) + " " + std::to_string(meter.read(n)) + " " +
         meter.unit() + " " + std::to_string(gauge::offset(static_cast<long>(n)));
}
