// TranslationUnit as softpatch laid it out before units had a version: what
// a library instrumented by an older softpatch registers, for the tests
// that check it is left out by name.
#pragma once

#include <cstddef>

#include "softpatch/internal/slot.h"

namespace softpatch::testing {

struct UnversionedUnit {
  const char* file;
  const char* project_file;
  const internal::FunctionRecord* functions;
  std::size_t function_count;
  const internal::VariableRecord* variables;
  std::size_t variable_count;
  const internal::LayoutRecord* layouts;
  std::size_t layout_count;
  const internal::FingerprintRecord* fingerprints;
  std::size_t fingerprint_count;
  void* prev;
  void* next;
};

}  // namespace softpatch::testing
