// Tests of weather.cpp that need no network and no refactoring: each
// softpatch/mock.h capability once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <softpatch/gmock.h>
#include <softpatch/mock.h>

#include <stdexcept>
#include <thread>

#include "weather.h"

namespace {

using ::testing::Return;

TEST(Weather, AFreeFunctionReplacedByALambda) {
  auto cold = softpatch::mock<&weather::fetch_celsius>([](const std::string&) { return -3.0; });
  EXPECT_EQ(weather::advice("Oslo"), "Oslo: wear a coat");
}  // the guard ends here: the real function is back

TEST(Weather, AStaticHelperByName) {
  auto fetch = softpatch::mock<&weather::fetch_celsius>([](const std::string&) { return 0.0; });
  auto helper = softpatch::mock_by_name<std::string(double)>(
      "weather::describe", [](double) { return std::string("stay in"); });
  EXPECT_EQ(weather::advice("Oslo"), "Oslo: stay in");
}

TEST(Weather, APrivateMethodByName) {
  weather::Forecaster oslo("Oslo");
  auto warmer = softpatch::mock_by_name<int(const weather::Forecaster*)>(
      "weather::Forecaster::trend", [](const weather::Forecaster*) { return 1; });
  EXPECT_EQ(oslo.summary(), "Oslo warming");
}

TEST(Weather, OneObjectOnly) {
  weather::Forecaster oslo("Oslo"), rome("Rome");
  auto oslo_only = softpatch::mock<&weather::Forecaster::summary>(
      oslo, [](const weather::Forecaster&) { return std::string("snow"); });
  EXPECT_EQ(oslo.summary(), "snow");
  EXPECT_EQ(rome.summary(), "Rome steady");
}

TEST(Weather, CallingTheOriginalFromAReplacement) {
  auto fetch = softpatch::mock<&weather::fetch_celsius>([](const std::string&) { return 30.0; });
  auto louder = softpatch::mock<&weather::advice>([](const std::string& city) {
    return softpatch::call_original<&weather::advice>(city) + "!";
  });
  EXPECT_EQ(weather::advice("Rome"), "Rome: wear a hat!");
}

TEST(Weather, ASpyRecordsTheArguments) {
  auto fetch = softpatch::mock<&weather::fetch_celsius>([](const std::string&) { return 10.0; });
  auto calls = softpatch::spy<&weather::fetch_celsius>();  // nested: calls through to the mock
  weather::advice("Oslo");
  weather::advice("Rome");
  ASSERT_EQ(calls.count(), 2u);
  EXPECT_EQ(std::get<0>(calls.calls()[1]), "Rome");
}

TEST(Weather, ReturnSequencesAndThrowing) {
  auto temperatures = softpatch::mock<&weather::fetch_celsius>().returns(-1.0, 30.0);
  EXPECT_EQ(weather::advice("A"), "A: wear a coat");
  EXPECT_EQ(weather::advice("B"), "B: wear a hat");
  auto down = softpatch::mock<&weather::fetch_celsius>(
      [](const std::string&) -> double { throw std::runtime_error("service down"); });
  EXPECT_EQ(weather::advice("C"), "C: unknown (service down)");
}

TEST(Weather, PerThread) {
  auto mine = softpatch::mock<&weather::fetch_celsius>(softpatch::this_thread,
                                                       [](const std::string&) { return 40.0; });
  EXPECT_EQ(weather::advice("Here"), "Here: wear a hat");
  std::string elsewhere;
  std::thread([&] { elsewhere = weather::advice("There"); }).join();  // the real (slow) one
  EXPECT_EQ(elsewhere, "There: enjoy");
}

TEST(Weather, GoogleMockExpectations) {
  softpatch::GMock<&weather::fetch_celsius> fetch;
  EXPECT_CALL(fetch, Call("Oslo")).WillOnce(Return(-10.0));
  EXPECT_CALL(fetch, Call("")).WillOnce(softpatch::CallOriginal<&weather::fetch_celsius>());
  EXPECT_EQ(weather::advice("Oslo"), "Oslo: wear a coat");
  EXPECT_EQ(weather::advice(""), ": unknown (no such city)");
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleMock(&argc, argv);
  softpatch::install_mock_listener();  // no mock outlives its test
  return RUN_ALL_TESTS();
}
