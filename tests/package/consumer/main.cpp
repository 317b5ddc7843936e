#include <softpatch/registry.h>

#include <cstdio>
#include <string>

std::string greet(const std::string& who);

int main() {
  softpatch::Result<softpatch::Function> f = softpatch::find_function("greet");
  if (!f) {
    std::fprintf(stderr, "%s\n", f.error().c_str());
    return 1;
  }
  std::printf("%s: %s at %s:%u\n", greet("world").c_str(), f->name(), f->project_file(), f->line());
  return 0;
}
