// Answers each number N on its input with the program's and the library's
// tickets, and its pid.
#include <unistd.h>

#include <iostream>
#include <string>

#include "ticket.h"

std::string plugin_line();

int main() {
  for (std::string line; std::getline(std::cin, line);)
    std::cout << line << ": " << tickets::side() << " " << tickets::scaled(tickets::next()) << " | "
              << plugin_line() << ", pid " << getpid() << std::endl;
}
