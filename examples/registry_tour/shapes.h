#ifndef SOFTPATCH_EXAMPLES_SHAPES_H
#define SOFTPATCH_EXAMPLES_SHAPES_H

namespace shapes {

struct Rect {
  double width;
  double height;
};

double area(const Rect& r);
double perimeter(const Rect& r);

class Canvas {
 public:
  void add(const Rect& r);
  double covered() const;
  int count() const { return count_; }

 private:
  double covered_ = 0;
  int count_ = 0;
};

}  // namespace shapes

#endif  // SOFTPATCH_EXAMPLES_SHAPES_H
