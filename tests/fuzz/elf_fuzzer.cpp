// Fuzzes the check that a patch file is a whole shared object for this
// machine: any bytes get an answer ("" or a one-line cause), never a read
// outside them.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "elf_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // An exact-size copy: ASan reports a read one byte past it.
  std::unique_ptr<unsigned char[]> image(new unsigned char[size]);
  if (size) std::memcpy(image.get(), data, size);
  std::string problem = softpatch::elf_problem(image.get(), size);
  if (problem.find('\n') != std::string::npos) std::abort();
  return 0;
}
