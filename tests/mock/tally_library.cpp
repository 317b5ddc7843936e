// A library with its own copies of tally.h's functions, loaded with
// dlopen(RTLD_LOCAL) by modules_mock_test.cpp. Built twice, as
// mock_tally_a and mock_tally_b, with TALLY_ENTRY naming the entry points.
#include "tally.h"

#define TALLY_JOIN2(a, b) a##b
#define TALLY_JOIN(a, b) TALLY_JOIN2(a, b)
#define TALLY_EXPORT extern "C" __attribute__((visibility("default")))

TALLY_EXPORT long TALLY_JOIN(TALLY_ENTRY, _doubled)(long x) { return tally::doubled(x); }
TALLY_EXPORT int TALLY_JOIN(TALLY_ENTRY, _in_libraries)(int x) { return tally::in_libraries(x); }
TALLY_EXPORT int TALLY_JOIN(TALLY_ENTRY, _calls)() { return tally::calls; }
TALLY_EXPORT int TALLY_JOIN(TALLY_ENTRY, _counted)(int x) { return tally::counted(x); }
