#include "ledger.h"

namespace ledger {

int Account::open_accounts = 0;
int Account::closed_total = 0;

Account::Account(int opening, const std::string& owner) : owner_(owner) {
  balance_ += opening;
  history_.push_back("opened by " + owner);
  ++open_accounts;
}

Account::Account(std::string owner) : owner_(owner) {
  history_.push_back("opened empty");
  ++open_accounts;
}

Account::Account(const Account& other)
    : balance_(other.balance_), owner_(other.owner_), history_(other.history_) {
  history_.push_back("copied");
  ++open_accounts;
}

Account::~Account() {
  --open_accounts;
  closed_total += balance_;
}

Savings::Savings(int opening) : Account(opening, "savings") { rate_ = 2; }

Account open_for(const std::string& owner, int opening) { return Account(opening, owner); }

void open_and_close(int opening) { Account brief(opening, "brief"); }

}  // namespace ledger
