#include <string>

#include "wait.h"
int part_count();

int main() {
  serve([] { return "parts " + std::to_string(part_count()); });
}
