// A small library under test: code a test cannot otherwise reach.
#pragma once

#include <map>
#include <memory>
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

// One function for every kind of result, for mocks that call the original.
class Warehouse {
 public:
  const std::string& site() const;  // a const lvalue reference to a member
  int& stock();                     // a mutable lvalue reference
  std::string&& release_label();    // an rvalue reference to a member
  const std::string label() const;  // a const value
  void restock(int count);          // nothing
  int stock_level() const { return stock_; }

 private:
  std::string site_ = "Leeds";
  int stock_ = 3;
  std::string label_ = "crate";
};
std::unique_ptr<int> make_box(int value);  // a move-only result
int open_box(std::unique_ptr<int> box);    // a move-only parameter
std::size_t length(const char* text);      // a C string, recorded as a string
std::size_t digits(const Card* card);      // a free function taking a class pointer

}  // namespace payment

int uninstrumented(int x);  // in a file built without softpatch
