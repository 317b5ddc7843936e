#include "macro_tokens.h"

#include <functional>

#include "clang/Lex/PPCallbacks.h"

namespace softpatch::rewriter {
namespace {

// _Pragma in an expansion is consumed by the preprocessor and never reaches
// the parser as a token: notice it here.
// And code that conditional compilation left out is noticed too, and the
// includes that a macro names.
class PragmaWatcher : public clang::PPCallbacks {
 public:
  PragmaWatcher(std::function<void(clang::SourceLocation)> on_pragma,
                std::function<void(clang::SourceRange)> on_skipped,
                std::function<void(clang::SourceLocation, const clang::FileEntry&)> on_computed)
      : on_pragma_(std::move(on_pragma)),
        on_skipped_(std::move(on_skipped)),
        on_computed_(std::move(on_computed)) {}
  void PragmaDirective(clang::SourceLocation location,
                       clang::PragmaIntroducerKind introducer) override {
    if (introducer == clang::PIK__Pragma) on_pragma_(location);
  }
  void SourceRangeSkipped(clang::SourceRange range, clang::SourceLocation) override {
    on_skipped_(range);
  }
  void InclusionDirective(clang::SourceLocation hash, const clang::Token&, llvm::StringRef, bool,
                          clang::CharSourceRange name, const clang::FileEntry* file,
                          llvm::StringRef, llvm::StringRef, const clang::Module*,
                          clang::SrcMgr::CharacteristicKind) override {
    // The name of a computed include is a token of the macro's expansion.
    if (file && name.getBegin().isMacroID()) on_computed_(hash, *file);
  }

 private:
  std::function<void(clang::SourceLocation)> on_pragma_;
  std::function<void(clang::SourceRange)> on_skipped_;
  std::function<void(clang::SourceLocation, const clang::FileEntry&)> on_computed_;
};

}  // namespace

void MacroTokens::attach(clang::Preprocessor& preprocessor) {
  preprocessor_ = &preprocessor;
  preprocessor.setTokenWatcher([this](const clang::Token& token) { record(token); });
  auto on_pragma = [this](clang::SourceLocation at) {
    if (!at.isMacroID()) return;
    const clang::SourceManager& sources = preprocessor_->getSourceManager();
    unprintable_.insert(sources.getExpansionRange(at).getBegin().getRawEncoding());
  };
  auto on_skipped = [this](clang::SourceRange range) {
    const clang::SourceManager& sources = preprocessor_->getSourceManager();
    if (!sources.isInMainFile(range.getBegin())) return;
    skipped_.emplace_back(sources.getFileOffset(range.getBegin()),
                          sources.getFileOffset(range.getEnd()));
  };
  auto on_computed = [this](clang::SourceLocation hash, const clang::FileEntry& file) {
    clang::SourceManager& sources = preprocessor_->getSourceManager();
    computed_includes_.push_back({sources.getFileID(hash), sources.getSpellingLineNumber(hash),
                                  sources.getFileManager().getCanonicalName(&file).str()});
  };
  preprocessor.addPPCallbacks(std::make_unique<PragmaWatcher>(on_pragma, on_skipped, on_computed));
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

std::string MacroTokens::definition_of(llvm::StringRef name) const {
  if (!preprocessor_) return "";
  clang::IdentifierInfo* identifier = preprocessor_->getIdentifierInfo(name);
  const clang::MacroInfo* macro = identifier ? preprocessor_->getMacroInfo(identifier) : nullptr;
  if (!macro) return "";
  std::string text = macro->isFunctionLike() ? "(" : "";
  for (const clang::IdentifierInfo* parameter : macro->params())
    text += parameter->getName().str() + ",";
  if (macro->isVariadic()) text += "...";
  text += macro->isFunctionLike() ? ")" : "";
  for (const clang::Token& token : macro->tokens()) text += " " + preprocessor_->getSpelling(token);
  return text;
}

bool MacroTokens::skipped(unsigned offset) const {
  for (const auto& [begin, end] : skipped_)
    if (begin <= offset && offset < end) return true;
  return false;
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
