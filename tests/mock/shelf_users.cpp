#include "shelf.h"

namespace shelf {

int size_elsewhere(const Shelf& s) { return s.size(); }
int weight_elsewhere(const Shelf& s) { return weight(s); }
int limit_elsewhere() { return limit(); }
void add_elsewhere(Shelf& s, int n) { s.add(n); }

}  // namespace shelf
