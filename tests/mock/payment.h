// A small library under test: code a test cannot otherwise reach.
#pragma once

#include <map>
#include <string>

namespace payment {

struct Card {
  std::string number;
};
enum class Result { kOk, kDeclined, kTimeout };

Result charge(const Card& card, int cents);  // talks to the outside world
int fee(int cents);                          // uses a static helper
int next_id();
int scale(int x);  // overloaded: a mock names one by its type
double scale(double x);
std::string checkout(const Card& card, int cents);  // calls charge() and fee() in this file

class Store {
 public:
  std::string get(const std::string& key) const;
  virtual int size() const;
  virtual ~Store() = default;
  int secret_of(int x) const { return secret(x); }

 private:
  int secret(int x) const;
  std::map<std::string, std::string> data_{{"k", "v"}};
};

}  // namespace payment

int uninstrumented(int x);  // in a file built without softpatch
