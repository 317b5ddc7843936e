// The file the catalogue edits, patches and breaks while the program runs.
#include "shape.h"

static int asked = 0;  // file state: must survive every refused patch

int value() { return 1; }

int count() { return ++asked; }

int Shape::area() const { return side * side; }
