// A spy copies each call's arguments: a move-only one cannot be recorded.
#include <memory>

#include "softpatch/mock.h"
int open_box(std::unique_ptr<int> box);
void test() { auto calls = softpatch::spy<&open_box>(); }
