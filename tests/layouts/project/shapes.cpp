// A C++11 library: nothing here needs a newer standard.
#include <string>

namespace shapes {
int area(int side) { return side * side * SHAPES_SCALE; }
std::string standard() { return std::to_string(__cplusplus); }
}  // namespace shapes
