#include "softpatch/changes/code_fingerprint.h"

#include <array>
#include <utility>

namespace softpatch {
namespace {

constexpr std::array<std::pair<CodeKind, std::string_view>, 12> kWords = {{
    {CodeKind::kFunction, "function"},
    {CodeKind::kConstructor, "constructor"},
    {CodeKind::kDestructor, "destructor"},
    {CodeKind::kMain, "main"},
    {CodeKind::kUnpatchable, "unpatchable"},
    {CodeKind::kInitialiser, "initialiser"},
    {CodeKind::kMemberInitialiser, "member-initialiser"},
    {CodeKind::kConstructorInitialiser, "constructor-initialiser"},
    {CodeKind::kLayout, "layout"},
    {CodeKind::kInline, "inline"},
    {CodeKind::kDeclarations, "declarations"},
    {CodeKind::kLambda, "lambda"},
}};

}  // namespace

std::string_view kind_word(CodeKind kind) {
  for (const auto& [k, word] : kWords)
    if (k == kind) return word;
  return "function";
}

std::string_view constructor_of_initialiser(std::string_view key) {
  std::size_t at = key.find('@');
  return at == std::string_view::npos ? std::string_view() : key.substr(at + 1);
}

bool is_code_hash(std::string_view text) {
  return text.size() == 16 && text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

std::optional<CodeKind> kind_from_word(std::string_view word) {
  for (const auto& [kind, w] : kWords)
    if (w == word) return kind;
  return std::nullopt;
}

}  // namespace softpatch
