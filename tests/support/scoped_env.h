// Sets (or unsets, for nullptr) an environment variable for one scope, and
// puts back what was there.
//
//   ScopedEnv off("SOFTPATCH_CACHE_DIR", "off");
#ifndef SOFTPATCH_TESTS_SCOPED_ENV_H
#define SOFTPATCH_TESTS_SCOPED_ENV_H

#include <cstdlib>
#include <optional>
#include <string>

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    value ? setenv(name, value, 1) : unsetenv(name);
  }
  ~ScopedEnv() { old_ ? setenv(name_, old_->c_str(), 1) : unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

#endif  // SOFTPATCH_TESTS_SCOPED_ENV_H
