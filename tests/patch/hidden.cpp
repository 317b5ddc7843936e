#include "callbacks.h"

// Compiled with -fvisibility=hidden: not in the program's dynamic symbol
// table, so a patch is bound to its address (unexported_symbols.h).
int hidden_bonus(int n) { return n + 100; }

int tick() { return next_tick(); }
