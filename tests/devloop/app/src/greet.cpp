// The file the dev-loop test edits while the program runs.
#include "greet.h"

static int greeted = 0;

std::string greet(const std::string& who) {
  return "hello " + who + " #" + std::to_string(++greeted);
}
