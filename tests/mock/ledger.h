// Constructors and destructors defined out of line (ledger.cpp), whose
// bodies the constructor tests mock and spy on.
#pragma once

#include <string>
#include <vector>

namespace ledger {

class Account {
 public:
  Account(int opening, const std::string& owner);
  explicit Account(std::string owner);  // a parameter by value
  Account(const Account& other);
  ~Account();

  int balance() const { return balance_; }
  const std::string& owner() const { return owner_; }
  const std::vector<std::string>& history() const { return history_; }
  void deposit(int amount) { balance_ += amount; }

  static int open_accounts;  // made minus destroyed, by the bodies
  static int closed_total;   // the balances the destructor's body saw

 private:
  int balance_ = 0;
  std::string owner_;
  std::vector<std::string> history_;
};

// A derived class: its constructor runs Account's first.
class Savings : public Account {
 public:
  explicit Savings(int opening);
  int rate() const { return rate_; }

 private:
  int rate_ = 0;
};

// Made and destroyed in ledger.cpp: calls from another file.
Account open_for(const std::string& owner, int opening);
void open_and_close(int opening);

}  // namespace ledger
