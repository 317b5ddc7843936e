// A small library with the kinds of code tests struggle to reach.
#pragma once

#include <string>

namespace weather {

// Asks a remote service (here: pretends to, slowly) for a temperature.
double fetch_celsius(const std::string& city);

// Advice for a city, from the fetched temperature (through a `static`
// helper in weather.cpp).
std::string advice(const std::string& city);

class Forecaster {
 public:
  explicit Forecaster(std::string city) : city_(std::move(city)) {}
  std::string summary() const;  // uses the private trend()

 private:
  int trend() const;  // +1 warmer, -1 colder, 0 steady
  std::string city_;
};

}  // namespace weather
