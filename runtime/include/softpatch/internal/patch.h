// Included first by every patch file that the rewriter's patch mode writes.
#ifndef SOFTPATCH_INTERNAL_PATCH_H
#define SOFTPATCH_INTERNAL_PATCH_H

#include "instrument.h"
#include "manifest.h"

#endif  // SOFTPATCH_INTERNAL_PATCH_H
