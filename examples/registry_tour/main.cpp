// registry-tour: what softpatch_instrument() gives a program. It lists the
// program's instrumented functions, then redirects one of them through its
// slot (what a live patch or a test mock does) and puts it back.
#include <softpatch/registry.h>

#include <cstdio>
#include <cstring>

#include "shapes.h"

namespace {

double area_in_square_centimetres(const shapes::Rect& r) { return r.width * r.height * 10000; }

void list_functions() {
  std::printf("Instrumented functions in this program:\n");
  for (const softpatch::Function& f : softpatch::functions())
    std::printf("  %-40s %s:%u\n", f.name(), f.project_file(), f.line());
  std::printf("File-local variables of shapes.cpp (patches bind to these):\n");
  for (const softpatch::Variable& v : softpatch::variables("examples/registry_tour/shapes.cpp"))
    std::printf("  %s %s\n", v.type, v.name);
}

}  // namespace

int main() {
  list_functions();
  shapes::Rect r{2, 3};
  std::printf("\narea({2, 3}) = %g\n", shapes::area(r));

  softpatch::Result<softpatch::Function> area = softpatch::find_function("area");
  if (!area) {
    std::fprintf(stderr, "%s\n", area.error().c_str());
    return 1;
  }
  std::printf("Redirecting %s (slot at %s:%u)...\n", area->name(), area->project_file(),
              area->line());
  auto previous = area->slot().exchange(
      reinterpret_cast<softpatch::internal::RawFunction>(&area_in_square_centimetres));
  shapes::Canvas canvas;
  canvas.add(r);  // calls area() from inside shapes.cpp: redirected too
  std::printf("area({2, 3}) = %g, canvas covers %g\n", shapes::area(r), canvas.covered());

  area->slot().exchange(previous);
  std::printf("Restored: area({2, 3}) = %g\n", shapes::area(r));
  return 0;
}
