#include "running_code.h"

namespace softpatch {

Result<std::vector<CodeFingerprint>> code_of_records(const internal::FingerprintRecord* records,
                                                     std::size_t count) {
  std::vector<CodeFingerprint> code;
  for (std::size_t i = 0; i < count; ++i) {
    const internal::FingerprintRecord& record = records[i];
    std::optional<CodeKind> kind = kind_from_word(record.kind);
    if (!kind || !*record.key || !is_code_hash(record.hash))
      return Error{"code fingerprint " + std::to_string(i + 1) + " is not one"};
    code.push_back({*kind, record.key, record.name, record.detail, record.hash});
  }
  return code;
}

}  // namespace softpatch
