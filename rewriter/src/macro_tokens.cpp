#include "macro_tokens.h"

#include <functional>

#include "clang/Lex/PPCallbacks.h"

namespace softpatch::rewriter {
namespace {

// _Pragma in an expansion is consumed by the preprocessor and never reaches
// the parser as a token: notice it here.
class PragmaWatcher : public clang::PPCallbacks {
 public:
  explicit PragmaWatcher(std::function<void(clang::SourceLocation)> on_pragma)
      : on_pragma_(std::move(on_pragma)) {}
  void PragmaDirective(clang::SourceLocation location,
                       clang::PragmaIntroducerKind introducer) override {
    if (introducer == clang::PIK__Pragma) on_pragma_(location);
  }

 private:
  std::function<void(clang::SourceLocation)> on_pragma_;
};

}  // namespace

void MacroTokens::attach(clang::Preprocessor& preprocessor) {
  preprocessor_ = &preprocessor;
  preprocessor.setTokenWatcher([this](const clang::Token& token) { record(token); });
  preprocessor.addPPCallbacks(std::make_unique<PragmaWatcher>([this](clang::SourceLocation at) {
    if (!at.isMacroID()) return;
    const clang::SourceManager& sources = preprocessor_->getSourceManager();
    unprintable_.insert(sources.getExpansionRange(at).getBegin().getRawEncoding());
  }));
}

void MacroTokens::record(const clang::Token& token) {
  clang::SourceLocation location = token.getLocation();
  if (!location.isMacroID()) return;
  const clang::SourceManager& sources = preprocessor_->getSourceManager();
  clang::SourceLocation invocation = sources.getExpansionRange(location).getBegin();
  if (!sources.isInMainFile(invocation)) return;
  if (token.isAnnotation()) {
    unprintable_.insert(invocation.getRawEncoding());
    return;
  }
  // Tentative parsing replays tokens: keep the first sighting only.
  if (!seen_.insert(location.getRawEncoding()).second) return;
  by_invocation_[invocation.getRawEncoding()].push_back(static_cast<unsigned>(tokens_.size()));
  tokens_.push_back({location, preprocessor_->getSpelling(token)});
}

bool MacroTokens::has_token_at(clang::SourceLocation location) const {
  if (!seen_.contains(location.getRawEncoding())) return false;
  const clang::SourceManager& sources = preprocessor_->getSourceManager();
  clang::SourceLocation invocation = sources.getExpansionRange(location).getBegin();
  return !unprintable_.contains(invocation.getRawEncoding());
}

std::vector<MacroTokens::Spelled> MacroTokens::expansion_at(
    clang::SourceLocation invocation_start) const {
  std::vector<Spelled> out;
  auto found = by_invocation_.find(invocation_start.getRawEncoding());
  if (found == by_invocation_.end()) return out;
  for (unsigned i : found->second) out.push_back(tokens_[i]);
  return out;
}

}  // namespace softpatch::rewriter
