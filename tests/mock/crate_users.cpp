#include "crate.h"

namespace crate {

int twice_elsewhere(int x) { return twice(x); }
long get_elsewhere(const Crate<long>& c) { return c.get(); }
void set_elsewhere(Crate<long>& c, long value) { c.set(value); }
int scale_elsewhere(int x) { return scale<3>(x); }
std::string kind_elsewhere(int x) { return kind(x); }
int width_elsewhere(int n) { return width(n); }

}  // namespace crate
