// The live patch's program for fmt: formats the memory page size at start
// and once per line read. tests/projects/check.sh edits fmt::getpagesize()
// in src/os.cc while it runs.
#include <iostream>
#include <string>

#include "fmt/format.h"
#include "fmt/os.h"

static void answer() { std::cout << fmt::format("page size {}", fmt::getpagesize()) << std::endl; }

int main() {
  answer();
  for (std::string line; std::getline(std::cin, line);) answer();
}
