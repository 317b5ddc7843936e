// Greets each line of its input, with its pid: a program with state to keep.
#include <unistd.h>

#include <iostream>
#include <string>

#include "greet.h"

int main() {
  for (std::string line; std::getline(std::cin, line);)
    std::cout << greet(line) << " pid " << getpid() << std::endl;
}
