// Small helpers the test binaries share.
#ifndef SOFTPATCH_TESTS_SUPPORT_READ_FILE_H
#define SOFTPATCH_TESTS_SUPPORT_READ_FILE_H

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace softpatch::testing {

// The whole content of `path` ("" if it cannot be read).
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace softpatch::testing

#endif  // SOFTPATCH_TESTS_SUPPORT_READ_FILE_H
