// Keeps a basket for each number it reads, makes and destroys another, and
// prints what shop.cpp's code made of them: a program with state to keep.
// With --mocks, prints what mocks of its constructors saw instead.
#include <unistd.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "mocks.h"
#include "shop.h"

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--mocks") {
    std::cout << mock_report() << std::endl;
    return 0;
  }
  std::vector<std::unique_ptr<Basket>> kept;
  int (*fee)(int) = fee_pointer();
  std::function<int(int)> discount = make_discount();
  std::function<int(int)> markup = make_markup(50);
  Till till;
  std::function<int(int)> add = till.adder();
  for (std::string line; std::getline(std::cin, line);) {
    int n = std::stoi(line);
    kept.push_back(std::make_unique<Basket>(n));
    std::string report;
    {
      Basket passing(n);
      report = line + ": bonus " + std::to_string(passing.bonus()) + ", first " +
               std::to_string(kept.front()->bonus()) + ", open " + std::to_string(Basket::open) +
               ", price " + std::to_string(price(n)) + ", label " +
               std::to_string(
                   Label("shelf", std::make_unique<int>(n), "x", 0, nullptr, "p", 2).length());
    }
    { Visit visit(n); }
    std::cout << report << ", closed " << Basket::closed << ", fee " << fee(n) << ", visits "
              << Visit::visits << ", discount " << discount(n) << ", markup " << markup(n)
              << ", till " << add(n) << ", pid " << getpid() << std::endl;
  }
}
