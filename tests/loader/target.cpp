// The instrumented file the loader tests patch.
#include "target.h"

int answer() { return 41; }

namespace {
int hidden(int x) { return x; }
}  // namespace

int call_hidden(int x) { return hidden(x); }

int add(int a, int b) { return a + b; }
