#include <string>

#include "wait.h"
namespace shapes {
int area(int side);
std::string standard();
}  // namespace shapes

int main() {
  serve([] { return "area " + std::to_string(shapes::area(2)) + " c++ " + shapes::standard(); });
}
