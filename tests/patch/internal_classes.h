#ifndef SOFTPATCH_TESTS_PATCH_INTERNAL_CLASSES_H
#define SOFTPATCH_TESTS_PATCH_INTERNAL_CLASSES_H

#include <string>

// Front ends to classes of internal_classes.cpp that no other file can name.
int meter_read();          // a const method calling a private one
void meter_add(int n);     // a non-const method
std::string meter_kind();  // virtual methods, through a base reference
int meter_unit();          // a static member function
std::string meter_take();  // an rvalue-qualified method returning a class

#endif
