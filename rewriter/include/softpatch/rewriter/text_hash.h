// The one spelling of a hash in softpatch's generated names and paths: 16
// lowercase hex digits of xxHash64. Slot and member names, header copies'
// file and directory names and fingerprints use it, so that each is the
// same text however it is reached.
#ifndef SOFTPATCH_REWRITER_TEXT_HASH_H
#define SOFTPATCH_REWRITER_TEXT_HASH_H

#include <cstdint>
#include <cstdio>
#include <string>

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/xxhash.h"

namespace softpatch::rewriter {

// `value` as 16 lowercase hex digits.
inline std::string hex64(std::uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

// The hash of `text`, as hex64 spells it.
inline std::string text_hash(llvm::StringRef text) { return hex64(llvm::xxHash64(text)); }

}  // namespace softpatch::rewriter

#endif  // SOFTPATCH_REWRITER_TEXT_HASH_H
