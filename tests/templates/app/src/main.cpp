// For each number it reads, prints what stats.cpp's templates make of it:
// their instantiations are called from this file, the templates are not.
#include <unistd.h>

#include <iostream>
#include <string>

#include "stats.h"

int main() {
  for (std::string line; std::getline(std::cin, line);) {
    int n = std::stoi(line);
    std::cout << line << ": twice " << twice(n) << ", box " << Box<long>(n).get() << ", bumped "
              << bumped(n) << ", version " << version<int>() << ", pid " << getpid() << std::endl;
  }
}
