#include "tally.h"

std::string report(Tally& tally, int n) {
  tally.add(n);
  return tally.describe() + ", twice " + std::to_string(twice(n)) + ", bonus " +
         std::to_string(bonus(n));
}
