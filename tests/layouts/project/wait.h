// Prints what `answer` says, then again for each line on stdin, until stdin
// closes: long enough to be asked what is instrumented, and patched.
#include <iostream>
#include <string>

template <class Answer>
void serve(Answer answer) {
  std::cout << answer() << std::endl;
  for (std::string line; std::getline(std::cin, line);) std::cout << answer() << std::endl;
}
