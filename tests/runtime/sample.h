// Functions of an instrumented file, for the registry and trampoline tests.
#ifndef SOFTPATCH_TESTS_RUNTIME_SAMPLE_H
#define SOFTPATCH_TESTS_RUNTIME_SAMPLE_H

#include <memory>
#include <string>

namespace sample {

extern const int kAdd2Line;  // the line add2 is defined on
extern int value_seen_before_main;

int add2(int a);
double scale(double x, int factor = 2);
int overloaded(int x);
int overloaded(const std::string& s);
int call_hidden(int x);
int* hidden_counter_address();
int* thread_counter_address();
std::unique_ptr<int> take(std::unique_ptr<int> p);
int& counter_ref();
[[noreturn]] void fail(const char* why);

class Counter {
 public:
  int add(int by);
  int get() const;
  static int twice(int x);
  virtual int kind() const;
  virtual ~Counter() = default;
  int reveal() const;

 private:
  int secret() const;
  int value_ = 0;
};

}  // namespace sample

#endif  // SOFTPATCH_TESTS_RUNTIME_SAMPLE_H
