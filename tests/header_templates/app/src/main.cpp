// Answers each number N on its input with what gauge.h's templates make of
// it, from both files, with its pid: a program with state (the meter) that
// a header's template edit must keep.
#include <unistd.h>

#include <iostream>
#include <string>

#include "gauge.h"

int main() {
  gauge::Meter<int> meter;
  for (std::string line; std::getline(std::cin, line);) {
    int n = std::stoi(line);
    int read = meter.read(n);
    if (gauge::apply([](int v) { return v + 1; }, n) != n + 1) return 1;
    std::cout << line << ": scaled " << gauge::scaled(n) << ", meter " << read << " "
              << meter.unit() << ", offset " << gauge::offset(n) << ", peak " << gauge::peak(n)
              << ", other " << other(n) << ", pid " << getpid() << std::endl;
  }
}
