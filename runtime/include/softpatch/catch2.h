// Catch2 (version 2, <catch2/catch.hpp>) with softpatch/mock.h. Including
// this header installs a listener that fails a test case ending with a
// mock still active (a guard kept in a static, say) and ends every mock
// between test cases, as softpatch::install_mock_listener() does for
// GoogleTest. Include it before <catch2/catch.hpp> (or instead of it), in
// the test files that mock:
//
//   #define CATCH_CONFIG_MAIN  // in one file, as usual
//   #include <softpatch/catch2.h>
//
//   TEST_CASE("a cold day") {
//     auto cold = softpatch::mock<&weather::fetch_celsius>(
//         [](const std::string&) { return -3.0; });
//     REQUIRE(weather::advice("Oslo") == "Oslo: wear a coat");
//   }
//
// The failure shows in the test case's own result, with the message
// "softpatch: <test> left 1 mock active ...". Once per program however many
// files include it.
#ifndef SOFTPATCH_CATCH2_H
#define SOFTPATCH_CATCH2_H

// <catch2/catch.hpp> declares listeners only if it sees
// CATCH_CONFIG_EXTERNAL_INTERFACES, which this header defines.
#if defined(TWOBLUECUBES_SINGLE_INCLUDE_CATCH_HPP_INCLUDED) && \
    !defined(CATCH_CONFIG_EXTERNAL_INTERFACES)
#error "softpatch/catch2.h must be included before <catch2/catch.hpp>"
#endif
#ifndef CATCH_CONFIG_EXTERNAL_INTERFACES
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#endif
#include <catch2/catch.hpp>

#include <string>

#include "softpatch/internal/mock_listener.h"
#include "softpatch/mock.h"

#ifdef CATCH_CONFIG_PREFIX_ALL
#define SOFTPATCH_CATCH2_FAIL_CHECK CATCH_FAIL_CHECK
#else
#define SOFTPATCH_CATCH2_FAIL_CHECK FAIL_CHECK
#endif

namespace softpatch {

// The listener; registered by this header, not used directly.
class Catch2MockListener : public Catch::TestEventListenerBase {
 public:
  using TestEventListenerBase::TestEventListenerBase;

  void sectionStarting(const Catch::SectionInfo& section) override {
    ++depth_;
    TestEventListenerBase::sectionStarting(section);
  }
  // The outermost section is the test case's own run, and it ends before
  // Catch2 counts the test case's assertions: a failure added here fails it.
  void sectionEnded(const Catch::SectionStats& stats) override {
    if (--depth_ == 0) {
      std::string failure = mock_detail::end_of_test(stats.sectionInfo.name);
      if (!failure.empty()) SOFTPATCH_CATCH2_FAIL_CHECK(failure);
    }
    TestEventListenerBase::sectionEnded(stats);
  }

 private:
  int depth_ = 0;
};

namespace mock_detail {
// An inline variable: one registration however many files include this.
inline Catch::ListenerRegistrar<Catch2MockListener> catch2_listener;
}  // namespace mock_detail

}  // namespace softpatch

#endif  // SOFTPATCH_CATCH2_H
