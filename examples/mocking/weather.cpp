#include "weather.h"

#include <chrono>
#include <stdexcept>
#include <thread>

namespace weather {

double fetch_celsius(const std::string& city) {
  // Stands for a network call: slow, and unavailable in tests.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  if (city.empty()) throw std::runtime_error("no such city");
  return 15.0;
}

static std::string describe(double celsius) {
  return celsius < 5 ? "wear a coat" : celsius > 25 ? "wear a hat" : "enjoy";
}

std::string advice(const std::string& city) {
  try {
    return city + ": " + describe(fetch_celsius(city));
  } catch (const std::exception& error) {
    return city + ": unknown (" + error.what() + ")";
  }
}

int Forecaster::trend() const { return 0; }

std::string Forecaster::summary() const {
  int t = trend();
  return city_ + (t > 0 ? " warming" : t < 0 ? " cooling" : " steady");
}

}  // namespace weather
