#ifndef SOFTPATCH_TESTS_LOADER_TARGET_H
#define SOFTPATCH_TESTS_LOADER_TARGET_H
int answer();
int call_hidden(int x);
int add(int a, int b);
#endif
