#include "body_members.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Attr.h"
#include "clang/Lex/Lexer.h"

#include "eligibility.h"
#include "softpatch/rewriter/text_hash.h"
#include "trampoline.h"

namespace softpatch::rewriter {
namespace {

// A token of the text, where it starts in its file.
struct Token {
  unsigned offset;
  llvm::StringRef text;
};

// The tokens from `begin` to `end` (inclusive), which the member repeats on
// one line: no comments, no line breaks (lines after it keep their
// numbers). Nothing when they are not plain text of one file, or hold a
// preprocessor directive.
std::optional<std::vector<Token>> tokens_between(clang::SourceLocation begin,
                                                 clang::SourceLocation end,
                                                 const clang::ASTContext& context) {
  const clang::SourceManager& sources = context.getSourceManager();
  if (begin.isInvalid() || end.isInvalid() || !begin.isFileID() || !end.isFileID() ||
      sources.getFileID(begin) != sources.getFileID(end))
    return std::nullopt;
  auto [file, offset] = sources.getDecomposedLoc(begin);
  unsigned last = sources.getFileOffset(end);
  llvm::StringRef buffer = sources.getBufferData(file);
  clang::Lexer lexer(sources.getLocForStartOfFile(file), context.getLangOpts(), buffer.begin(),
                     buffer.begin() + offset, buffer.end());
  std::vector<Token> tokens;
  clang::Token token;
  for (bool at_end = false; !at_end;) {
    at_end = lexer.LexFromRawLexer(token);
    if (token.is(clang::tok::eof)) break;
    unsigned at = sources.getFileOffset(token.getLocation());
    if (at > last) break;
    if (token.is(clang::tok::hash) && token.isAtStartOfLine()) return std::nullopt;
    tokens.push_back({at, buffer.substr(at, token.getLength())});
    if (at == last) return tokens;
  }
  return std::nullopt;
}

std::optional<std::string> tokens_on_one_line(clang::SourceLocation begin,
                                              clang::SourceLocation end,
                                              const clang::ASTContext& context) {
  std::optional<std::vector<Token>> tokens = tokens_between(begin, end, context);
  if (!tokens) return std::nullopt;
  std::string text;
  for (const Token& token : *tokens) text += (text.empty() ? "" : " ") + token.text.str();
  return text;
}

std::optional<unsigned> file_offset(clang::SourceLocation location,
                                    const clang::SourceManager& sources) {
  if (location.isInvalid() || !location.isFileID()) return std::nullopt;
  return sources.getFileOffset(location);
}

// A parameter's tokens without its default argument: from the `=` outside
// brackets on (one inside a template argument is in parentheses).
void drop_default_argument(std::vector<Token>& tokens) {
  int depth = 0;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    llvm::StringRef text = tokens[i].text;
    if (text == "(" || text == "[" || text == "{") ++depth;
    if (text == ")" || text == "]" || text == "}") --depth;
    if (text == "=" && depth == 0) {
      tokens.resize(i);
      return;
    }
  }
}

// `tokens` with their `const` outside brackets (the parameter's own, for a
// type that is no pointer) dropped, and then one in front when `as_const`.
void set_top_level_const(std::vector<Token>& tokens, bool as_const) {
  int depth = 0;
  std::vector<Token> kept;
  for (const Token& token : tokens) {
    llvm::StringRef text = token.text;
    if (text == "(" || text == "[" || text == "<") ++depth;
    if (text == ")" || text == "]" || text == ">") --depth;
    if (text == ">>") depth -= 2;
    if (text == "const" && depth == 0) continue;
    kept.push_back(token);
  }
  tokens = std::move(kept);
  if (as_const) tokens.insert(tokens.begin(), Token{0, "const"});
}

// `parameter` as the member declares it: its written type and name (or
// parameter_name(index) where it has none), `&` before the name when it
// reaches the body by reference, then `const` as `as_const` says (the
// definition's: `W(int n);` and `W::W(const int n)` declare one
// constructor, but their members would differ), no default argument (the
// constructor passes every argument).
std::optional<std::string> member_parameter(const clang::ParmVarDecl& parameter, unsigned index,
                                            bool as_const) {
  const clang::ASTContext& context = parameter.getASTContext();
  // A default argument may end in a macro (`= NULL`): it is dropped anyway.
  clang::SourceLocation end = parameter.getEndLoc();
  if (end.isMacroID()) end = context.getSourceManager().getExpansionRange(end).getEnd();
  std::optional<std::vector<Token>> tokens = tokens_between(parameter.getBeginLoc(), end, context);
  if (!tokens) return std::nullopt;
  drop_default_argument(*tokens);
  bool by_reference = reaches_body_by_reference(parameter);
  if (by_reference) set_top_level_const(*tokens, as_const);
  bool unnamed = parameter.getName().empty();
  // Where the name is, or would be (`void (*)(int)`: before the `)`).
  std::optional<unsigned> name = file_offset(parameter.getLocation(), context.getSourceManager());
  std::string before_name = std::string(by_reference ? "&" : "") +
                            (unnamed ? parameter_name(index) + " " : std::string());
  std::string text;
  bool placed = false;
  for (const Token& token : *tokens) {
    if (!placed && name && token.offset == *name) {
      placed = true;
      text += before_name;
    }
    text += token.text.str() + " ";
  }
  if (!placed && unnamed) {
    placed = true;
    text += before_name;
  }
  if (!placed) return std::nullopt;
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

// `(int &n, const Options& options)` for `Gauge(int n, const Options&
// options = {})`: the member's parameter list, made from `declaration`'s
// and, for top-level `const`, `definition`'s.
std::optional<std::string> member_parameters(const clang::FunctionDecl& declaration,
                                             const clang::FunctionDecl& definition) {
  std::string list;
  for (unsigned i = 0; i < declaration.getNumParams(); ++i) {
    bool as_const = definition.getParamDecl(i)->getType().isConstQualified();
    std::optional<std::string> parameter =
        member_parameter(*declaration.getParamDecl(i), i, as_const);
    if (!parameter) return std::nullopt;
    list += (i ? ", " : "") + *parameter;
  }
  return "(" + list + ")";
}

// An attribute of `function` that changes what its code may do or how it is
// compiled, which the body's member would not have: `target("avx2")`,
// `no_sanitize("address")`. Those that only warn, export or place code are
// harmless.
const clang::Attr* attribute_the_body_would_lose(const clang::FunctionDecl& function) {
  for (const clang::Attr* attribute : function.attrs()) {
    if (attribute->isImplicit()) continue;
    switch (attribute->getKind()) {
      case clang::attr::Override:
      case clang::attr::Final:
      case clang::attr::NoThrow:
      case clang::attr::Deprecated:
      case clang::attr::Unused:
      case clang::attr::WarnUnusedResult:
      case clang::attr::Visibility:
      case clang::attr::Availability:
      case clang::attr::AlwaysInline:
      case clang::attr::NoInline:
      case clang::attr::Cold:
      case clang::attr::Hot:
      case clang::attr::Used:
      case clang::attr::DLLExport:
      case clang::attr::DLLImport:
      // The build's body traps after its slot's call returns, as any
      // noreturn function's does: a body that returns cannot go on.
      case clang::attr::CXX11NoReturn:
      case clang::attr::NoReturn:
        continue;
      default:
        return attribute;
    }
  }
  return nullptr;
}

// `Gauge::` in `Gauge::Gauge(int n)`.
std::optional<std::string> written_qualifier(const clang::FunctionDecl& definition) {
  clang::SourceRange range = definition.getQualifierLoc().getSourceRange();
  std::optional<std::string> text =
      tokens_on_one_line(range.getBegin(), range.getEnd(), definition.getASTContext());
  if (!text || !llvm::StringRef(*text).endswith("::")) return std::nullopt;
  return text;
}

}  // namespace

std::optional<std::string> body_member_problem(const clang::FunctionDecl& declaration,
                                               const TextEdits& edits) {
  if (!is_constructor_or_destructor(declaration)) return std::nullopt;
  const auto& function = llvm::cast<clang::CXXMethodDecl>(declaration);
  const clang::CXXRecordDecl& record = *function.getParent();
  // The patch's table names the member from the global namespace.
  if (record.isLocalClass())
    return std::string(constructor_or_destructor(function)) + " of a class local to a function";
  for (const clang::DeclContext* c = &record; c && c->isRecord(); c = c->getParent())
    if (!llvm::cast<clang::RecordDecl>(c)->getIdentifier())
      return std::string(constructor_or_destructor(function)) + " of an unnamed class";
  if (const clang::Attr* attribute = attribute_the_body_would_lose(function))
    return std::string(constructor_or_destructor(function)) + " with the attribute " +
           attribute->getSpelling() + ", which the patch's copy of its body would not have";
  if (!member_parameters(function, function))
    return std::string(constructor_or_destructor(function)) +
           " whose parameters are written by a macro";
  if (!function.isOutOfLine()) return std::nullopt;
  const clang::CXXMethodDecl& in_class = *function.getCanonicalDecl();
  if (!member_parameters(in_class, function) || !written_qualifier(function))
    return std::string(constructor_or_destructor(function)) + " declared by a macro";
  if (!edits.can_edit(record.getBraceRange().getEnd()))
    return std::string(constructor_or_destructor(function)) +
           " of a class whose definition a patch cannot edit (" +
           (record.getBraceRange().getEnd().isMacroID() ? "made by a macro" : "not copied") + ")";
  return std::nullopt;
}

std::string body_member_name(llvm::StringRef id) { return "__softpatch_body_" + text_hash(id); }

bool reaches_body_by_reference(const clang::ParmVarDecl& parameter) {
  // The adjusted type: `char d[]` and `char* d` are one parameter.
  clang::QualType type = parameter.getType();
  return !type->isReferenceType() && !type->isPointerType() && !type->isMemberPointerType();
}

void carry_body_in_member(const clang::CXXMethodDecl& function, llvm::StringRef member,
                          const std::vector<std::string>& parameter_names, TextEdits& edits) {
  std::string arguments;
  for (unsigned i = 0; i < parameter_names.size(); ++i) {
    const std::string& name = parameter_names[i];
    arguments += (i ? ", " : "");
    arguments += reaches_body_by_reference(*function.getParamDecl(i))
                     ? name
                     : "static_cast<decltype(" + name + ")&&>(" + name + ")";
  }
  std::string head = member.str();
  if (function.isOutOfLine()) {
    head = *written_qualifier(function) + head;
    edits.insert_before(function.getParent()->getBraceRange().getEnd(),
                        " public: void " + member.str() +
                            *member_parameters(*function.getCanonicalDecl(), function) + "; ");
  }
  clang::SourceLocation body = EditPoints(function).body_start;
  edits.insert_before(body, "{ this->" + member.str() + "(" + arguments + "); } void " + head +
                                *member_parameters(function, function) + " ");
  // The parameters the initialisers alone used are the member's too.
  std::string used;
  for (const clang::ParmVarDecl* parameter : function.parameters())
    if (!parameter->getName().empty()) used += " (void)" + parameter->getNameAsString() + ";";
  if (!used.empty()) edits.insert_after(body, used);
}

const clang::CXXRecordDecl* befriend_access(const clang::CXXRecordDecl& record, TextEdits& edits,
                                            std::set<const clang::CXXRecordDecl*>& done) {
  for (const clang::CXXRecordDecl* each = &record; each;
       each = llvm::dyn_cast<clang::CXXRecordDecl>(each->getDeclContext())) {
    if (!done.insert(each).second) continue;
    clang::SourceLocation close = each->getBraceRange().getEnd();
    if (close.isInvalid() || !edits.can_edit(close)) return each;
    edits.insert_before(close, " friend struct ::__softpatch_access; ");
  }
  return nullptr;
}

}  // namespace softpatch::rewriter
