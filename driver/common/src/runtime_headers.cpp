#include "softpatch/common/runtime_headers.h"

#include <filesystem>

namespace fs = std::filesystem;

namespace softpatch::driver {

std::string runtime_header(const std::string& name) {
  std::error_code error;
  fs::path self = fs::read_symlink("/proc/self/exe", error);
  fs::path installed = self.parent_path().parent_path() / "include" / name;
  if (!error && fs::exists(installed, error)) return installed.string();
  return std::string(SOFTPATCH_SOURCE_INCLUDE_DIR "/") + name;
}

}  // namespace softpatch::driver
