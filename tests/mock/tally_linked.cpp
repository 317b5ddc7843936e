// A library the test program is linked with, compiling tally.h's
// doubled<int> with default visibility: its unit registers before the
// program's, so the chain's first slot is its own, which no call reads (its
// references bind to the program's copy).
#include "tally.h"

int tally_linked_doubled(int x) { return tally::doubled(x); }
