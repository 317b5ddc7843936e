#include "callbacks.h"

// Compiled with -fvisibility=hidden: not in the program's dynamic symbol
// table, so a patch reaches it by its address (unexported_calls.h).
int hidden_bonus(int n) { return n + 100; }
