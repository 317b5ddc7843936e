#include "softpatch/common/source_files.h"

#include <initializer_list>

namespace softpatch::driver {
namespace {

bool has_extension(std::string_view path, std::initializer_list<std::string_view> extensions) {
  std::size_t slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  std::size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  for (std::string_view extension : extensions)
    if (name.substr(dot) == extension) return true;
  return false;
}

}  // namespace

bool is_cpp_source(std::string_view path) {
  return has_extension(path, {".cpp", ".cc", ".cxx", ".c++", ".C", ".cp", ".CPP"});
}

bool is_cpp_header(std::string_view path) {
  return has_extension(path, {".h", ".hpp", ".hh", ".hxx", ".h++", ".H", ".inl", ".ipp", ".tpp"});
}

}  // namespace softpatch::driver
