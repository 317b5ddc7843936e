#include "callbacks.h"

#include <utility>

std::function<int(int)> make_scaled(int factor) {
  return [factor](int x) { return x * factor; };
}

std::function<int()> make_counter() {
  return [count = 0]() mutable { return ++count; };
}

std::function<std::string()> make_greeter(std::string name) {
  return [name = std::move(name)] { return "hi " + name; };
}

std::function<int(int)> make_watch(int& total) {
  return [&total](int n) { return total += n; };
}

std::function<int(int)> Account::depositor() {
  return [this, fee = 1](int amount) mutable {
    balance += amount - fee;
    return balance;
  };
}

int (*bonus_function())(int) { return &hidden_bonus; }

int tally(int n) {
  struct Adder {
    int by;
    int add(int x) const { return x + by; }
  };
  return Adder{2}.add(n);
}
