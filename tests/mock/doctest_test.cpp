// softpatch/doctest.h: mocks in doctest test cases, and the listener. The
// test cases of the skipped suite "listener" run only under
// listener_check.sh, which expects the first to be failed by the listener
// and the second to pass.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "softpatch/doctest.h"

#include "payment.h"

TEST_CASE("a mock replaces a function while its guard lives") {
  {
    auto fee = softpatch::mock<&payment::fee>([](int) { return 1; });
    CHECK(payment::fee(1000) == 1);
  }
  CHECK(payment::fee(1000) == 20);
}

TEST_CASE("each subcase's run ends its own mocks") {
  auto ids = softpatch::mock<&payment::next_id>().returns(1, 2);
  SUBCASE("first") { CHECK(payment::next_id() == 1); }
  SUBCASE("second") { CHECK(payment::next_id() == 1); }  // a fresh mock: the run starts over
}

TEST_CASE("a spy records the arguments") {
  auto calls = softpatch::spy<&payment::fee>();
  payment::fee(100);
  REQUIRE(calls.count() == 1);
  CHECK(std::get<0>(calls.calls()[0]) == 100);
}

TEST_SUITE("listener" * doctest::skip()) {
  TEST_CASE("leaves a mock active") {
    [[maybe_unused]] static auto leaked = softpatch::mock<&payment::fee>([](int) { return 0; });
    CHECK(payment::fee(1000) == 0);
  }

  TEST_CASE("runs after a test that left a mock active") {
    REQUIRE(softpatch::active_mocks() == 0);
    CHECK(payment::fee(1000) == 20);
  }
}
