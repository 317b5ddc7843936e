// The file the end-to-end test edits while the program runs.
#include <string>

static int greeted = 0;

std::string greet(const std::string& who) {
  return "hello " + who + " #" + std::to_string(++greeted);
}
