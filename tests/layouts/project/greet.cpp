#include <string>

std::string greet(const std::string& who) { return "hello, " + who; }
