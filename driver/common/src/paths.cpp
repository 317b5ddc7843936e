#include "softpatch/common/paths.h"

#include <filesystem>

namespace softpatch::driver {

std::string absolute_normal(const std::string& path) {
  std::error_code error;
  std::filesystem::path absolute = std::filesystem::absolute(path, error);
  if (error) absolute = path;
  return absolute.lexically_normal().string();
}

bool exists(const std::string& path) {
  std::error_code error;
  return std::filesystem::exists(path, error);
}

}  // namespace softpatch::driver
