#include <string>

#include "wait.h"
namespace shapes {
int area(int side);
}
std::string greet(const std::string& who);

static std::string both() { return greet("all") + " " + std::to_string(shapes::area(1)); }

int main() { serve(both); }
