// Machinery of the test-framework listeners (softpatch/gmock.h,
// softpatch/catch2.h, softpatch/doctest.h): what each does when a test
// ends. Not for direct use.
#ifndef SOFTPATCH_INTERNAL_MOCK_LISTENER_H
#define SOFTPATCH_INTERNAL_MOCK_LISTENER_H

#include <cstddef>
#include <string>

#include "softpatch/mock.h"

namespace softpatch {
namespace mock_detail {

// Called when `test` ends: "" when no mock is active, else the failure to
// report for the test, after ending every mock so that none reaches the
// next test.
inline std::string end_of_test(const std::string& test) {
  std::size_t left = active_mocks();
  if (left == 0) return "";
  reset_mocks();
  return "softpatch: " + test + " left " + std::to_string(left) + " mock" + (left == 1 ? "" : "s") +
         " active (a guard outlived the test); resetting";
}

}  // namespace mock_detail
}  // namespace softpatch

#endif  // SOFTPATCH_INTERNAL_MOCK_LISTENER_H
