// The weather tests with Catch2: softpatch/catch2.h installs the listener
// that fails a test case leaving a mock active and resets mocks between
// test cases.
#define CATCH_CONFIG_MAIN
#include <softpatch/catch2.h>  // before <catch2/catch.hpp>, which it includes
#include <softpatch/mock.h>

#include "weather.h"

TEST_CASE("a free function replaced by a lambda") {
  auto cold = softpatch::mock<&weather::fetch_celsius>([](const std::string&) { return -3.0; });
  REQUIRE(weather::advice("Oslo") == "Oslo: wear a coat");
}

TEST_CASE("a static helper by name, and a spy") {
  auto fetch = softpatch::mock<&weather::fetch_celsius>([](const std::string&) { return 0.0; });
  auto helper = softpatch::mock_by_name<std::string(double)>(
      "weather::describe", [](double) { return std::string("stay in"); });
  auto calls = softpatch::spy<&weather::fetch_celsius>();
  REQUIRE(weather::advice("Oslo") == "Oslo: stay in");
  REQUIRE(calls.count() == 1);
  REQUIRE(std::get<0>(calls.calls()[0]) == "Oslo");
}

TEST_CASE("one object only") {
  weather::Forecaster oslo("Oslo"), rome("Rome");
  auto oslo_only = softpatch::mock<&weather::Forecaster::summary>(
      oslo, [](const weather::Forecaster&) { return std::string("snow"); });
  CHECK(oslo.summary() == "snow");
  CHECK(rome.summary() == "Rome steady");
}
