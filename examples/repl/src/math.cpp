// The REPL's own functions: call them, redefine them, undo.
#include <cstring>
#include <string>

int add2(int a) { return a + 2; }

static int calls = 0;
int counter() { return ++calls; }  // state that survives redefinitions

double scale(double x, double by) { return x * by; }

std::string greet(const std::string& name) { return "hello " + name; }

unsigned long length(const char* text) { return std::strlen(text); }

bool is_even(long n) { return n % 2 == 0; }

char next_letter(char c) { return static_cast<char>(c + 1); }
