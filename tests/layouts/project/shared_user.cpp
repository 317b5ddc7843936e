#include <string>

#include "wait.h"
std::string greet(const std::string& who);

int main() {
  serve([] { return greet("world"); });
}
