// Answers each number N on its input from both files, with its pid: a
// program with state (the tally) that a header's edit must keep.
#include <unistd.h>

#include <iostream>
#include <string>

#include "tally.h"
#include "tally.h"  // entered again for its version line

int main() {
  Tally tally;
  for (std::string line; std::getline(std::cin, line);) {
    int n = std::stoi(line);
    int added = tally.add(n);
    std::cout << line << ": main " << added << " " << twice(n) << " " << bonus(n) << ", report "
              << report(tally, n) << ", pid " << getpid() << std::endl;
  }
}
