// The bodies of shop.cpp's constructors and destructor mocked and spied on
// (softpatch/mock.h), as this compiler at this optimisation level builds
// them: `app --mocks` prints what each saw.
#include "mocks.h"

#include <softpatch/mock.h>

#include <memory>
#include <string>

#include "shop.h"

std::string mock_report() {
  std::string out;
  int open = Basket::open;
  {
    auto made = softpatch::spy_constructor<Basket(int)>();
    Basket spied(3);
    out += "spied " + std::to_string(made.count()) + " of " +
           std::to_string(std::get<1>(made.calls().at(0))) + ", body " +
           std::to_string(Basket::open - open);
  }
  {
    auto label =
        softpatch::mock_constructor<Label(std::string, const std::unique_ptr<int>, std::string&&,
                                          int, void (*)(int), const char*, int)>(
            [](Label* self, std::string& name, const std::unique_ptr<int>& weight,
               std::string&& note, int& unnamed, void (*)(int), const char* prefix, int& scale) {
              self->set_length(static_cast<int>(name.size() + note.size()) * 100 + *weight * 10 +
                               unnamed + scale + (prefix[0] == 'p' ? 0 : 1000));
            });
    out += ", label " +
           std::to_string(Label("shelf", std::make_unique<int>(4), "xy", 5, nullptr, "p").length());
  }
  {
    int before = Basket::open;
    auto kept = softpatch::mock_destructor<Basket>([](Basket&) {});
    { Basket ending(1); }
    out += ", destructor body skipped " + std::to_string(Basket::open - before);
  }
  return out;
}
