#ifndef SOFTPATCH_TESTS_PATCH_COUNTER_H
#define SOFTPATCH_TESTS_PATCH_COUNTER_H

#include <cstddef>

extern int g_total;

struct Tally {
  static int instances;
};

int bump(int by);            // changes in each patch
int calls();                 // a function-local static's count
int hits();                  // an anonymous-namespace variable
std::size_t history_size();  // a file static holding heap memory
int added();                 // 0 here; patches report a variable they add
int limit();                 // a constexpr the patches change
int bump_twice(int by);      // calls bump
int depth(int n);
int quiet_plus(int x);  // calls a file-local noexcept function
int held_value();       // calls a closure an instantiation holds
int mood_and_pair();    // reads objects of an enum and of Pair<int>

#endif
