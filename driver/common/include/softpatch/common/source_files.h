// Which files are C++: the one list of extensions, for the compiler launcher
// (which compiles it instruments) and the dev loop (which saves it patches).
#ifndef SOFTPATCH_COMMON_SOURCE_FILES_H
#define SOFTPATCH_COMMON_SOURCE_FILES_H

#include <string_view>

namespace softpatch::driver {

// A C++ source file by its name: .cpp .cc .cxx .c++ .C .cp .CPP.
bool is_cpp_source(std::string_view path);

// A C or C++ header by its name: .h .hpp .hh .hxx .h++ .H .inl .ipp .tpp.
bool is_cpp_header(std::string_view path);

}  // namespace softpatch::driver

#endif  // SOFTPATCH_COMMON_SOURCE_FILES_H
