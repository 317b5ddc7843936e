// Answers each line of its input with what the instrumented functions of
// answer.cpp return, a count kept in that file, and its pid:
//   "LINE value 1 area 9 #1 pid 4242"
#include <unistd.h>

#include <iostream>
#include <string>

#include "shape.h"

int value();  // declared here, not in a header: answer.cpp may change them
int count();

int main() {
  Shape shape{3};
  for (std::string line; std::getline(std::cin, line);)
    std::cout << line << " value " << value() << " area " << shape.area() << " #" << count()
              << " pid " << getpid() << std::endl;
}
