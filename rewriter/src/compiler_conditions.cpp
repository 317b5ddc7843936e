#include "compiler_conditions.h"

#include <algorithm>

#include "clang/Lex/Lexer.h"
#include "clang/Lex/MacroInfo.h"
#include "clang/Lex/PreprocessorOptions.h"

namespace softpatch::rewriter {
namespace {

// Clang's feature tests: built into its preprocessor, so in no -dM output.
// g++ has none of them, or answers them for other features.
constexpr const char* kFeatureTests[] = {"__has_feature",
                                         "__has_extension",
                                         "__has_builtin",
                                         "__has_attribute",
                                         "__has_cpp_attribute",
                                         "__has_c_attribute",
                                         "__has_declspec_attribute",
                                         "__has_warning",
                                         "__is_identifier",
                                         "__is_target_arch",
                                         "__is_target_vendor",
                                         "__is_target_os",
                                         "__is_target_environment",
                                         "__building_module"};

// What tells compilers apart when the compiler could not be asked.
constexpr const char* kCompilerIdentities[] = {"__clang__",
                                               "__clang_major__",
                                               "__clang_minor__",
                                               "__clang_patchlevel__",
                                               "__clang_version__",
                                               "__llvm__",
                                               "__GNUC__",
                                               "__GNUC_MINOR__",
                                               "__GNUC_PATCHLEVEL__",
                                               "__GNUG__",
                                               "__VERSION__",
                                               "__INTEL_COMPILER",
                                               "_MSC_VER"};

// An integer literal's value in decimal ("0x7fffffffffffffffL" and
// "9223372036854775807L" are one value to an #if); any other text as it is.
std::string value_of(llvm::StringRef text) {
  text = text.trim();
  llvm::StringRef digits = text.rtrim("uUlL");
  unsigned long long value = 0;
  if (!digits.empty() && !digits.getAsInteger(0, value)) return std::to_string(value);
  return text.str();
}

// "#define NAME VALUE" lines, by NAME (with its parameters, if any, in the
// value): the macros a compiler predefines.
std::map<std::string, std::string> macros_of(llvm::StringRef text) {
  std::map<std::string, std::string> out;
  while (!text.empty()) {
    auto [line, rest] = text.split('\n');
    text = rest;
    if (!line.consume_front("#define ")) continue;
    std::size_t end = line.find_first_of(" (");
    // The body without its spaces, as predefined_by() spells it.
    std::string body = end == llvm::StringRef::npos ? "" : line.drop_front(end).str();
    if (!body.empty() && body.front() == '(') body = body.substr(body.find(')') + 1);  // parameters
    body.erase(std::remove(body.begin(), body.end(), ' '), body.end());
    out[line.take_front(end).str()] = value_of(body);
  }
  return out;
}

// Clang's own predefined macros, as the preprocessor holds them (a
// precompiled preamble has them too, where the predefines text may not):
// those defined in "<built-in>", their values as macros_of() has them.
std::map<std::string, std::string> predefined_by(clang::Preprocessor& preprocessor) {
  std::map<std::string, std::string> out;
  const clang::SourceManager& sources = preprocessor.getSourceManager();
  for (const auto& macro : preprocessor.macros()) {
    const clang::MacroInfo* info = preprocessor.getMacroInfo(macro.first);
    if (!info) continue;
    clang::PresumedLoc at = sources.getPresumedLoc(info->getDefinitionLoc());
    if (at.isInvalid() || llvm::StringRef(at.getFilename()) != "<built-in>") continue;
    std::string value;
    for (const clang::Token& token : info->tokens()) value += preprocessor.getSpelling(token);
    value.erase(std::remove(value.begin(), value.end(), ' '), value.end());  // as macros_of()
    out[macro.first->getName().str()] = value_of(value);
  }
  return out;
}

// The macros the command line defines or undefines (-D, -U): the same for
// either compiler. (With a precompiled preamble, Clang places them in
// "<built-in>" too, so predefined_by() alone would take them for its own.)
std::set<std::string> given_on_command_line(const clang::Preprocessor& preprocessor) {
  std::set<std::string> out;
  for (const auto& [definition, undefined] : preprocessor.getPreprocessorOpts().Macros)
    out.insert(definition.substr(0, definition.find_first_of("=(")));
  return out;
}

}  // namespace

CompilerConditions::CompilerConditions(clang::Preprocessor& preprocessor,
                                       const std::string& compiler_predefines)
    : preprocessor_(preprocessor) {
  std::map<std::string, std::string> ours = predefined_by(preprocessor);
  std::map<std::string, std::string> theirs = macros_of(compiler_predefines);
  for (const std::string& name : given_on_command_line(preprocessor)) {
    ours.erase(name);
    theirs.erase(name);
  }
  if (theirs.empty()) {
    differing_.insert(std::begin(kCompilerIdentities), std::end(kCompilerIdentities));
  } else {
    for (const auto& [name, value] : ours)
      if (auto found = theirs.find(name); found == theirs.end() || found->second != value)
        differing_.insert(name);
    for (const auto& [name, value] : theirs)
      if (!ours.count(name)) differing_.insert(name);
  }
  // The same Clang answers its feature tests alike.
  auto version = [](const std::map<std::string, std::string>& macros) {
    auto found = macros.find("__clang_version__");
    return found == macros.end() ? std::string() : found->second;
  };
  if (version(theirs).empty() || version(theirs) != version(ours))
    differing_.insert(std::begin(kFeatureTests), std::end(kFeatureTests));
}

std::optional<std::string> CompilerConditions::dependence(clang::SourceLocation location) const {
  const clang::SourceManager& sources = preprocessor_.getSourceManager();
  // A file that an #include inside such an #if entered is as much in it.
  for (location = sources.getExpansionLoc(location); location.isValid() && location.isFileID();
       location = sources.getIncludeLoc(sources.getFileID(location))) {
    clang::FileID file = sources.getFileID(location);
    unsigned offset = sources.getFileOffset(location);
    for (const Chain& chain : chains_of(file))
      if (chain.begin <= offset && offset < chain.end)
        for (const std::string& name : chain.names)
          if (tells_compilers_apart(name)) return name;
  }
  return std::nullopt;
}

bool CompilerConditions::tells_compilers_apart(const std::string& name) const {
  if (differing_.count(name)) return true;
  auto [known, inserted] = decided_.emplace(name, false);  // false while deciding: no cycles
  if (!inserted) return known->second;
  // A macro tells them apart when its definition uses one that does, or
  // stands in an #if of the project's that does (`#ifdef __clang__` /
  // `#define FAST 1`). The system's headers are written to define the same
  // API for every compiler (LONG_MAX stands in an #if on __GNUC__).
  // getIdentifierInfo, not the table's find: a name only a precompiled
  // preamble has seen is looked up there.
  const clang::MacroInfo* macro = preprocessor_.getMacroInfo(preprocessor_.getIdentifierInfo(name));
  if (!macro) return false;
  clang::SourceLocation defined = macro->getDefinitionLoc();
  bool apart = !preprocessor_.getSourceManager().isInSystemHeader(defined) &&
               dependence(defined).has_value();
  for (const clang::Token& token : macro->tokens()) {
    if (apart) break;
    if (const clang::IdentifierInfo* used = token.getIdentifierInfo())
      apart = tells_compilers_apart(used->getName().str());
  }
  decided_[name] = apart;
  return apart;
}

const std::vector<CompilerConditions::Chain>& CompilerConditions::chains_of(
    clang::FileID file) const {
  auto [known, inserted] = chains_.try_emplace(file.getHashValue());
  if (!inserted) return known->second;
  std::vector<Chain>& done = known->second;
  const clang::SourceManager& sources = preprocessor_.getSourceManager();
  bool invalid = false;
  llvm::StringRef text = sources.getBufferData(file, &invalid);
  if (invalid) return done;
  clang::Lexer lexer(sources.getLocForStartOfFile(file), preprocessor_.getLangOpts(), text.begin(),
                     text.begin(), text.end());
  std::vector<Chain> open;
  clang::Token token;
  lexer.LexFromRawLexer(token);
  auto offset = [&](const clang::Token& t) { return sources.getFileOffset(t.getLocation()); };
  while (token.isNot(clang::tok::eof)) {
    if (!token.is(clang::tok::hash) || !token.isAtStartOfLine()) {
      lexer.LexFromRawLexer(token);
      continue;
    }
    unsigned hash = offset(token);
    lexer.LexFromRawLexer(token);
    if (token.is(clang::tok::eof) || token.isAtStartOfLine()) continue;  // a `#` alone
    std::string directive =
        token.is(clang::tok::raw_identifier) ? token.getRawIdentifier().str() : "";
    bool opens = directive == "if" || directive == "ifdef" || directive == "ifndef";
    bool continues = directive == "elif" || directive == "elifdef" || directive == "elifndef";
    if (opens) open.push_back({hash, static_cast<unsigned>(text.size()), {}});
    if (directive == "endif" && !open.empty()) {
      open.back().end = hash;
      done.push_back(std::move(open.back()));
      open.pop_back();
    }
    // The rest of the directive's line: the names its condition tests.
    for (lexer.LexFromRawLexer(token); token.isNot(clang::tok::eof) && !token.isAtStartOfLine();
         lexer.LexFromRawLexer(token))
      if ((opens || continues) && !open.empty() && token.is(clang::tok::raw_identifier))
        open.back().names.push_back(token.getRawIdentifier().str());
  }
  // An #if left open reaches the end of the file.
  done.insert(done.end(), open.begin(), open.end());
  return done;
}

}  // namespace softpatch::rewriter
