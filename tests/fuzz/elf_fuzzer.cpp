// Fuzzes the check that a patch file is a whole shared object for this
// machine: any bytes get an answer ("" or a one-line cause), never a read
// outside them. The same bytes as a file whose functions name a crash's
// frames: a function or nothing, never a read outside them.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "elf_check.h"
#include "softpatch/elf/symbols.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // An exact-size copy: ASan reports a read one byte past it.
  std::unique_ptr<unsigned char[]> image(new unsigned char[size]);
  if (size) std::memcpy(image.get(), data, size);
  std::string problem = softpatch::elf_problem(image.get(), size);
  if (problem.find('\n') != std::string::npos) std::abort();
  for (std::uint64_t offset : {std::uint64_t{0}, std::uint64_t{64}, std::uint64_t{size / 2}})
    (void)softpatch::elf::function_in_image(reinterpret_cast<const char*>(image.get()), size,
                                            offset);
  return 0;
}
