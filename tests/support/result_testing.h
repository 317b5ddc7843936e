// Tests of what must fail: the error message of a softpatch::Result, read
// (so that the checked Result counts it as handled), for a matcher.
//
//   EXPECT_THAT(failure_of(softpatch::find_function("nope")), HasSubstr("named nope"));
#ifndef SOFTPATCH_TESTS_RESULT_TESTING_H
#define SOFTPATCH_TESTS_RESULT_TESTING_H

#include <string>

#include "softpatch/result.h"

// The error of `result`, or "(no error: it succeeded)".
template <class T>
std::string failure_of(softpatch::Result<T> result) {
  return result ? "(no error: it succeeded)" : result.error();
}

#endif  // SOFTPATCH_TESTS_RESULT_TESTING_H
