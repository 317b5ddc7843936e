#ifndef SOFTPATCH_TESTS_PATCH_CALLBACKS_H
#define SOFTPATCH_TESTS_PATCH_CALLBACKS_H

#include <functional>
#include <string>

// Callbacks made by lambdas that capture, which the patch tests keep from
// before a patch and call after it: each runs its new body on what it
// captured then.
std::function<int(int)> make_scaled(int factor);              // a copy, first
std::function<int()> make_counter();                          // a mutable init-capture
std::function<std::string()> make_greeter(std::string name);  // a moved std::string
std::function<int(int)> make_watch(int& total);               // a reference, first

struct Account {
  int balance = 0;
  std::function<int(int)> depositor();  // `this` first, then an init-capture
};

// Uses a class local to it, whose member function a patch compiles anew.
int tally(int n);

// Defined in hidden.cpp, compiled with -fvisibility=hidden as fmt compiles
// all its files: the program has it, but does not export it.
int hidden_bonus(int n);
// Returns &hidden_bonus, as the code that runs takes it.
int (*bonus_function())(int);

// A static variable of an inline function: with hidden visibility the
// program keeps it to itself, so a patch that uses it is refused.
inline int next_tick() {
  static int ticks = 0;
  return ++ticks;
}
int tick();  // next_tick(), as hidden.cpp has it

#endif  // SOFTPATCH_TESTS_PATCH_CALLBACKS_H
