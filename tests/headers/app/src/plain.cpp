// softpatch: skip-file
// Built plain: its copy of the header's twice() has no slot, and the
// address taken here makes the program keep (and export) that copy.
#include "tally.h"

int (*plain_twice())(int) { return &twice; }
