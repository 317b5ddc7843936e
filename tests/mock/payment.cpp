#include "payment.h"

#include <utility>

namespace payment {

Result charge(const Card& card, int cents) {
  return card.number.empty() ? Result::kDeclined : cents > 1000 ? Result::kDeclined : Result::kOk;
}

static int round_up(int cents) { return (cents + 9) / 10 * 10; }

int fee(int cents) { return round_up(cents / 50); }

int next_id() {
  static int id = 0;
  return ++id;
}

int scale(int x) { return x * 10; }
double scale(double x) { return x * 0.5; }

std::string checkout(const Card& card, int cents) {
  switch (charge(card, cents + fee(cents))) {
    case Result::kOk:
      return "paid";
    case Result::kDeclined:
      return "declined";
    case Result::kTimeout:
      return "timeout";
  }
  return "?";
}

std::string Store::get(const std::string& key) const {
  auto found = data_.find(key);
  return found == data_.end() ? "" : found->second;
}

int Store::size() const { return static_cast<int>(data_.size()); }

int Store::secret(int x) const { return x * 2; }

const std::string& Warehouse::site() const { return site_; }
int& Warehouse::stock() { return stock_; }
std::string&& Warehouse::release_label() { return std::move(label_); }
const std::string Warehouse::label() const { return label_; }
void Warehouse::restock(int count) { stock_ += count; }

std::unique_ptr<int> make_box(int value) { return std::make_unique<int>(value); }
int open_box(std::unique_ptr<int> box) { return box ? *box : -1; }
std::size_t length(const char* text) { return std::string(text).size(); }
std::size_t digits(const Card* card) { return card->number.size(); }

}  // namespace payment
