// doctest (version 2.4, <doctest/doctest.h>) with softpatch/mock.h.
// Including this header installs a listener that fails a test case ending
// with a mock still active (a guard kept in a static, say) and ends every
// mock between test cases, as softpatch::install_mock_listener() does for
// GoogleTest:
//
//   #define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN  // in one file, as usual
//   #include <softpatch/doctest.h>
//
//   TEST_CASE("a cold day") {
//     auto cold = softpatch::mock<&weather::fetch_celsius>(
//         [](const std::string&) { return -3.0; });
//     CHECK(weather::advice("Oslo") == "Oslo: wear a coat");
//   }
//
// The failure is printed under the test case, "softpatch: <test> left 1
// mock active ...", and counted in the summary and the exit code. Once per
// program however many files include it.
#ifndef SOFTPATCH_DOCTEST_H
#define SOFTPATCH_DOCTEST_H

#include <doctest/doctest.h>

#include <string>

#include "softpatch/internal/mock_listener.h"
#include "softpatch/mock.h"

namespace softpatch {

// The listener; registered by this header, not used directly.
class DoctestMockListener : public doctest::IReporter {
 public:
  explicit DoctestMockListener(const doctest::ContextOptions&) {}

  void test_case_start(const doctest::TestCaseData& test) override { test_ = test.m_name; }
  void test_case_end(const doctest::CurrentTestCaseStats& stats) override {
    std::string failure = mock_detail::end_of_test(test_);
    if (failure.empty()) return;
    DOCTEST_FAIL_CHECK(failure);  // printed under the test case, which is still current
    // doctest 2.4 has already counted the test case (a listener has no hook
    // inside its run), and `stats` is the run's own state, which listeners
    // see before the reporters do: count the failure there.
    auto& test = const_cast<doctest::CurrentTestCaseStats&>(stats);
    if (test.testCaseSuccess) ++failed_tests_;
    test.testCaseSuccess = false;
    test.failure_flags |= doctest::TestCaseFailureReason::AssertFailure;
    ++test.numAssertsCurrentTest;
    ++test.numAssertsFailedCurrentTest;
    ++failed_asserts_;
  }
  // Counts the failures in the run's totals, which set the exit code.
  void test_run_end(const doctest::TestRunStats& stats) override {
    auto& run = const_cast<doctest::TestRunStats&>(stats);
    run.numTestCasesFailed += failed_tests_;
    run.numAsserts += failed_asserts_;
    run.numAssertsFailed += failed_asserts_;
  }

  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}

 private:
  std::string test_;
  unsigned failed_tests_ = 0;
  int failed_asserts_ = 0;
};

namespace mock_detail {
// An inline variable: one registration however many files include this.
inline const int doctest_listener =
    doctest::registerReporter<DoctestMockListener>("softpatch-mocks", 0, false);
}  // namespace mock_detail

}  // namespace softpatch

#endif  // SOFTPATCH_DOCTEST_H
