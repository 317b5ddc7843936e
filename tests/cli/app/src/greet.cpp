// The file the end-to-end test edits while the program runs.
#include <string>

static int greeted = 0;

std::string greet(const std::string& who) {
  return "hello " + who + " #" + std::to_string(++greeted);
}

// A constructor: a patch cannot change it (yet), so its edits are refused.
struct Tally {
  Tally() : count(0) {}
  int count;
};
Tally tally;
