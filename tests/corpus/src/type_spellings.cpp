// Instantiations of spellings.h's templates whose arguments are easy to
// misspell in generated code.
#include <functional>
#include <string>
#include <tuple>

#include "corpus.h"
#include "spellings.h"

namespace spell {
struct Item {};
}  // namespace spell

namespace {
struct Secret {};
}  // namespace

void run_type_spellings() {
  const char* f = "type_spellings";
  struct Local {};
  report(f, "Row<Item, int>::width", spell::Row<spell::Item, int>{}.width());
  report(f, "Row<Secret>::width", spell::Row<Secret>{}.width());
  report(f, "Row<Local>::width", spell::Row<Local, Local, Local>{}.width());
  report(f, "Row<Item, Item, int>::count_of<Item>",
         spell::Row<spell::Item, spell::Item, int>{}.count_of<spell::Item>());
  report(f, "arity(tuple<Secret, string>)", spell::arity(std::tuple<Secret, std::string>{}));
  report(f, "Holder<function<string()>>::call",
         spell::Holder<std::function<std::string()>>{[] { return std::string("held"); }}.call());
  report(f, "Vault<long>::total", spell::Vault<long>::total());
}
