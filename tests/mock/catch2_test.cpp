// softpatch/catch2.h: mocks in Catch2 test cases, and the listener. The
// test cases tagged [.listener] run only under listener_check.sh, which
// expects the first to be failed by the listener and the second to pass.
#define CATCH_CONFIG_MAIN
#include "softpatch/catch2.h"

#include "payment.h"

TEST_CASE("a mock replaces a function while its guard lives") {
  {
    auto fee = softpatch::mock<&payment::fee>([](int) { return 1; });
    REQUIRE(payment::fee(1000) == 1);
  }
  REQUIRE(payment::fee(1000) == 20);
}

TEST_CASE("each section's run ends its own mocks") {
  auto ids = softpatch::mock<&payment::next_id>().returns(1, 2);
  SECTION("first") { REQUIRE(payment::next_id() == 1); }
  SECTION("second") { REQUIRE(payment::next_id() == 1); }  // a fresh mock: the run starts over
}

TEST_CASE("a spy records the arguments") {
  auto calls = softpatch::spy<&payment::fee>();
  payment::fee(100);
  REQUIRE(calls.count() == 1);
  REQUIRE(std::get<0>(calls.calls()[0]) == 100);
}

TEST_CASE("leaves a mock active", "[.listener]") {
  [[maybe_unused]] static auto leaked = softpatch::mock<&payment::fee>([](int) { return 0; });
  CHECK(payment::fee(1000) == 0);
}

TEST_CASE("runs after a test that left a mock active", "[.listener]") {
  REQUIRE(softpatch::active_mocks() == 0);
  REQUIRE(payment::fee(1000) == 20);
}
