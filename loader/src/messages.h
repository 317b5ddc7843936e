// What the loader's refusals have in common.
#ifndef SOFTPATCH_LOADER_MESSAGES_H
#define SOFTPATCH_LOADER_MESSAGES_H

#include <cstddef>
#include <string>
#include <string_view>

#include "softpatch/result.h"

namespace softpatch {

// "softpatch: <path>: <cause>", the shape of every refusal of a patch file.
inline Error refused(const std::string& path, const std::string& cause) {
  return Error{"softpatch: " + path + ": " + cause};
}

// Said of a patched file whose unit was unregistered.
inline constexpr char kFileGone[] =
    " is no longer loaded (a library closed, or the program is exiting)";

// Said when a unit went away while a patch was checked or hooks ran.
inline constexpr char kUnitsWent[] =
    "the program's instrumented files changed meanwhile (a library closed, or the program is "
    "exiting)";

// The position of the first control character in `text` (a tab, a line
// break, a NUL...), or npos: requests and manifest strings must be one line
// of text, since they end up in one-line messages and replies.
inline std::size_t first_control_character(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte == 0x7f) return i;
  }
  return std::string_view::npos;
}

}  // namespace softpatch

#endif  // SOFTPATCH_LOADER_MESSAGES_H
