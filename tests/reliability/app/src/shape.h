// A class of the program: main.cpp makes one, answer.cpp defines its method.
#pragma once

struct Shape {
  int side;
  int area() const;
};
