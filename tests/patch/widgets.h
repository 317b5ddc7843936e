#ifndef SOFTPATCH_TESTS_PATCH_WIDGETS_H
#define SOFTPATCH_TESTS_PATCH_WIDGETS_H

#include <string>

// Constructors and destructors that the patch tests edit: their bodies go
// live, and the objects that exist keep their members.
class Widget {
 public:
  explicit Widget(int size, const std::string& label = "w");
  Widget(const Widget& other);
  ~Widget();

  int size() const { return size_; }
  int weight() const { return weight_; }
  const std::string& label() const { return label_; }

  static int alive;             // made minus destroyed
  static int destroyed_weight;  // what the destructor adds up

 private:
  int size_;
  int weight_ = 1;
  std::string label_;
};

// Makes and destroys an object of a class of widgets.cpp's anonymous
// namespace, whose constructor and destructor are defined in the class.
std::string local_note(int n);

#endif
