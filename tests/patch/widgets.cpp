// The patch tests edit these bodies (tests/patch/patch_test.cpp).
#include "widgets.h"

int Widget::alive = 0;
int Widget::destroyed_weight = 0;

Widget::Widget(int size, const std::string& label) : size_(size), label_(label) { ++alive; }

Widget::Widget(const Widget& other)
    : size_(other.size_), weight_(other.weight_), label_(other.label_ + "'") {
  ++alive;
}

Widget::~Widget() {
  --alive;
  destroyed_weight += weight_;
}

namespace {

int closed = 0;

class Note {
 public:
  explicit Note(int n) : text_("note") { text_ += " " + std::to_string(n); }
  ~Note() { ++closed; }

  std::string text() const { return text_ + ", closed " + std::to_string(closed); }

 private:
  std::string text_;
};

}  // namespace

std::string local_note(int n) { return Note(n).text(); }
