#include "fingerprints.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Lex/Lexer.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

#include "eligibility.h"
#include "findings.h"
#include "project_files.h"
#include "softpatch/rewriter/text_hash.h"
#include "template_slots.h"
#include "trampoline.h"

namespace softpatch::rewriter {
namespace {

// Names without where they are written: a lambda or an unnamed class is
// "(lambda)", not "(lambda at /path/a.cpp:7:13)", so that moving code or
// building a copy elsewhere changes no fingerprint.
clang::PrintingPolicy location_free_policy(const clang::ASTContext& context) {
  clang::PrintingPolicy policy(context.getLangOpts());
  policy.AnonymousTagLocations = false;
  return policy;
}

// What a constructor's initialiser initialises: a member, a base, or
// another constructor of the class.
std::string initialised_name(const clang::CXXCtorInitializer& initialiser,
                             const clang::PrintingPolicy& policy) {
  if (const clang::FieldDecl* field = initialiser.getAnyMember()) return field->getNameAsString();
  if (const clang::Type* base = initialiser.getBaseClass())
    return clang::QualType(base, 0).getAsString(policy);
  return "(delegation)";
}

// A closure's implicit copy or move constructor (or assignment, or
// destructor): Clang defines one when it is first used, which parsing with
// a precompiled preamble makes sooner, so its body is there or not. Nothing
// of it is written: what it copies is the lambda's captures, whose
// initialisers the enclosing code uses.
bool is_closure_special_member(const clang::FunctionDecl& function) {
  const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(&function);
  return method && method->isImplicit() && method->getParent()->isLambda();
}

bool is_templated(const clang::Decl& decl) {
  if (const auto* variable = llvm::dyn_cast<clang::VarDecl>(&decl))
    if (clang::isTemplateInstantiation(variable->getTemplateSpecializationKind())) return true;
  return decl.isTemplated() || decl.getDeclContext()->isDependentContext();
}

// The declarations a piece of code uses: every node that names one, with
// implicit code (member initialisers a constructor gets, destructors of
// temporaries) included.
class UseCollector : public clang::RecursiveASTVisitor<UseCollector> {
 public:
  explicit UseCollector(std::vector<const clang::Decl*>& uses) : uses_(uses) {}

  bool shouldVisitImplicitCode() const { return true; }
  bool shouldVisitTemplateInstantiations() const { return false; }

  bool TraverseDecl(clang::Decl* decl) {
    if (const auto* function = llvm::dyn_cast_or_null<clang::FunctionDecl>(decl);
        function && is_closure_special_member(*function))
      return true;
    return clang::RecursiveASTVisitor<UseCollector>::TraverseDecl(decl);
  }

  bool VisitDeclRefExpr(clang::DeclRefExpr* expression) {
    use(expression->getDecl());
    return true;
  }
  bool VisitMemberExpr(clang::MemberExpr* expression) {
    if (!llvm::isa<clang::FieldDecl>(expression->getMemberDecl())) use(expression->getMemberDecl());
    return true;
  }
  bool VisitCXXConstructExpr(clang::CXXConstructExpr* expression) {
    use(expression->getConstructor());
    return true;
  }
  bool VisitCXXBindTemporaryExpr(clang::CXXBindTemporaryExpr* expression) {
    use(expression->getTemporary()->getDestructor());
    return true;
  }
  bool VisitCXXDeleteExpr(clang::CXXDeleteExpr* expression) {
    if (const clang::CXXRecordDecl* record = expression->getDestroyedType()->getAsCXXRecordDecl())
      use(record->getDestructor());
    return true;
  }
  bool VisitVarDecl(clang::VarDecl* variable) {
    // Only a destructor that is written: Clang declares the others when
    // something needs them, which an edit elsewhere in the file may change.
    if (const clang::CXXRecordDecl* record = variable->getType()->getAsCXXRecordDecl())
      if (record->hasDefinition() && record->hasUserDeclaredDestructor())
        use(record->getDestructor());
    return true;
  }
  bool VisitCXXDefaultArgExpr(clang::CXXDefaultArgExpr* expression) {
    use(expression->getParam());
    return true;
  }
  bool VisitCXXDefaultInitExpr(clang::CXXDefaultInitExpr* expression) {
    use(expression->getField());
    return true;
  }
  bool VisitTypedefTypeLoc(clang::TypedefTypeLoc type) {
    use(type.getTypedefNameDecl());
    return true;
  }
  bool VisitTemplateSpecializationTypeLoc(clang::TemplateSpecializationTypeLoc type) {
    if (clang::TemplateDecl* alias = type.getTypePtr()->getTemplateName().getAsTemplateDecl())
      if (llvm::isa<clang::TypeAliasTemplateDecl>(alias)) use(alias);
    return true;
  }
  bool VisitEnumTypeLoc(clang::EnumTypeLoc type) {
    if (type.getDecl()->getIdentifier()) use(type.getDecl());
    return true;
  }

 private:
  void use(const clang::Decl* decl) {
    if (!decl) return;
    if (const auto* variable = llvm::dyn_cast<clang::VarDecl>(decl))
      if (variable->isLocalVarDeclOrParm() && !llvm::isa<clang::ParmVarDecl>(variable) &&
          !variable->isStaticLocal())
        return;  // written in the code that uses it
    uses_.push_back(decl);
  }

  std::vector<const clang::Decl*>& uses_;
};

class Fingerprinter {
 public:
  Fingerprinter(clang::ASTContext& context, const Naming& naming, const MacroTokens& macro_tokens,
                const std::string& project_root)
      : context_(context),
        sources_(context.getSourceManager()),
        naming_(naming),
        macro_tokens_(macro_tokens),
        project_(sources_, project_root),
        policy_(location_free_policy(context)) {}

  // Functions with slots are used by identity only: note them all first.
  void note_slot(const clang::FunctionDecl& function) {
    with_slot_.insert(function.getCanonicalDecl());
  }

  void add_function(const clang::FunctionDecl& function, CodeKind kind, std::string detail) {
    // A defaulted function's members and bases are pieces of their own; what
    // it compiles to depends on whether the file uses it, which an edit
    // elsewhere may change.
    static const std::vector<const clang::Decl*> kNothing;
    const std::vector<const clang::Decl*>& uses =
        function.isDefaulted() ? kNothing : uses_of(&function);
    pieces_.push_back({kind, unique(key_of(function)), naming_.readable_name(function),
                       std::move(detail), hash_of(written_range(function), uses)});
  }

  void add_variable(const clang::VarDecl& variable) {
    std::string name = variable.getQualifiedNameAsString();
    std::string key = name;
    if (variable.isStaticLocal())
      if (const auto* function =
              llvm::dyn_cast_or_null<clang::FunctionDecl>(variable.getParentFunctionOrMethod())) {
        name = function->getQualifiedNameAsString() + "::" + variable.getNameAsString();
        key = naming_.id(*function) + "::" + variable.getNameAsString();  // overloads differ
      }
    pieces_.push_back({CodeKind::kInitialiser, unique("var:" + key), name, "",
                       hash_of(variable.getSourceRange(), uses_of(&variable))});
  }

  // One written initialiser of `constructor`: what runs before the body a
  // patch replaces.
  void add_constructor_initialiser(const clang::CXXConstructorDecl& constructor,
                                   const clang::CXXCtorInitializer& initialiser) {
    std::string member = initialised_name(initialiser, policy_);
    std::vector<const clang::Decl*> uses;
    UseCollector collector(uses);
    collector.TraverseStmt(initialiser.getInit());
    pieces_.push_back({CodeKind::kConstructorInitialiser,
                       unique("ctor-init:" + member + "@" + key_of(constructor)),
                       member + " of " + naming_.readable_name(constructor), "",
                       hash_of(initialiser.getSourceRange(), uses)});
  }

  // A lambda by its place in its enclosing function (lambda_slots()).
  void add_lambda(const clang::LambdaExpr& lambda, const std::string& detail) {
    const clang::CXXMethodDecl& call = *lambda.getCallOperator();
    pieces_.push_back({CodeKind::kLambda, "lambda:" + naming_.lambda_place(call),
                       naming_.lambda_name(call), detail, hash_of(lambda.getSourceRange(), {})});
  }

  void add_member_initialiser(const clang::FieldDecl& field) {
    std::string name = field.getQualifiedNameAsString();
    pieces_.push_back({CodeKind::kMemberInitialiser, unique("init:" + name), name, "",
                       hash_of(field.getSourceRange(), uses_of(&field))});
  }

  std::vector<CodeFingerprint> take() { return std::move(pieces_); }

 private:
  // A template has no mangled name of its own: its key is what it is
  // written as, template parameters included (overloads differ by them).
  std::string key_of(const clang::FunctionDecl& function) {
    if (!is_templated(function)) return naming_.id(function);
    std::string key = template_key(function, naming_);
    if (const clang::FunctionTemplateDecl* described = function.getDescribedFunctionTemplate())
      key += "|" + tokens_of(described->getTemplateParameters()->getSourceRange());
    return key;
  }

  // A function template's text starts at its `template <...>`.
  static clang::SourceRange written_range(const clang::FunctionDecl& function) {
    if (const clang::FunctionTemplateDecl* described = function.getDescribedFunctionTemplate())
      return described->getSourceRange();
    return function.getSourceRange();
  }

  std::string unique(const std::string& key) {
    int uses = ++keys_[key];
    return uses == 1 ? key : key + "#" + std::to_string(uses);
  }

  // The tokens of `range` as one string: no comments, no spacing, and in
  // the main file each macro invocation followed by its expansion.
  std::string tokens_of(clang::SourceRange range) {
    clang::CharSourceRange chars = sources_.getExpansionRange(range);
    if (chars.isInvalid()) return "";
    auto [file, begin] = sources_.getDecomposedLoc(chars.getBegin());
    auto [end_file, end] = sources_.getDecomposedLoc(chars.getEnd());
    if (file != end_file || end < begin) return "";
    bool invalid = false;
    llvm::StringRef buffer = sources_.getBufferData(file, &invalid);
    if (invalid) return "";
    if (chars.isTokenRange())
      end += clang::Lexer::MeasureTokenLength(chars.getEnd(), sources_, context_.getLangOpts());
    clang::Lexer lexer(sources_.getLocForStartOfFile(file), context_.getLangOpts(), buffer.begin(),
                       buffer.begin() + begin, buffer.end());
    bool main_file = file == sources_.getMainFileID();
    std::string text;
    clang::Token token;
    for (bool last = false; !last;) {
      last = lexer.LexFromRawLexer(token);
      if (token.is(clang::tok::eof)) break;
      unsigned offset = sources_.getFileOffset(token.getLocation());
      if (offset >= end) break;
      if (main_file && macro_tokens_.skipped(offset)) continue;  // an #if left it out
      text.append(buffer.data() + offset, token.getLength());
      text += ' ';
      if (main_file && token.is(clang::tok::raw_identifier))
        for (const MacroTokens::Spelled& expanded : macro_tokens_.expansion_at(token.getLocation()))
          text += "\x1f" + stable_spelling(expanded);
    }
    return text;
  }

  // The tokens of a declaration in a header that starts at `begin`, found
  // by the text alone — what the AST says of a header's declarations can
  // differ when they come from a precompiled preamble (a body parsed or
  // skipped, the end of `unsigned int`). A function runs to the `;` that
  // ends a declaration or the `}` that closes its body, past braced member
  // initialisers (`: n_{16}, m_{2} {`) and the handlers of a function-try-
  // block; anything else to its `;` (all declarators of `int a = 1, b = 2;`:
  // more text than its own only ever counts a change too many) or the `)`
  // that closes a parameter.
  std::string definition_tokens(clang::SourceLocation begin, bool function) {
    clang::SourceLocation start = sources_.getExpansionLoc(begin);
    auto [file, offset] = sources_.getDecomposedLoc(start);
    bool invalid = false;
    llvm::StringRef buffer = sources_.getBufferData(file, &invalid);
    if (invalid) return "";
    clang::Lexer lexer(sources_.getLocForStartOfFile(file), context_.getLangOpts(), buffer.begin(),
                       buffer.begin() + offset, buffer.end());
    std::string text;
    int parentheses = 0, braces = 0;
    bool closed = false;  // a function's braces just closed: its body, or not yet?
    clang::Token token;
    for (bool last = false; !last;) {
      last = lexer.LexFromRawLexer(token);
      if (token.is(clang::tok::eof)) break;
      llvm::StringRef spelling(buffer.data() + sources_.getFileOffset(token.getLocation()),
                               token.getLength());
      if (closed && !token.isOneOf(clang::tok::comma, clang::tok::l_brace) && spelling != "catch")
        break;
      closed = false;
      text.append(spelling.data(), spelling.size());
      text += ' ';
      if (token.is(clang::tok::l_paren)) ++parentheses;
      if (token.is(clang::tok::r_paren) && --parentheses < 0) break;
      if (parentheses > 0) continue;
      if (braces == 0 && token.is(clang::tok::semi)) break;
      if (token.is(clang::tok::l_brace)) ++braces;
      if (token.is(clang::tok::r_brace) && --braces == 0 && function) closed = true;
    }
    return text;
  }

  bool in_main_file(const clang::Decl& decl) const {
    return sources_.isInMainFile(sources_.getExpansionLoc(decl.getLocation()));
  }

  // A literal that a builtin macro made (__LINE__, __FILE__, __COUNTER__,
  // in assert and logging macros) says where code is, not what it does.
  std::string stable_spelling(const MacroTokens::Spelled& token) const {
    bool literal =
        !token.text.empty() &&
        (std::isdigit(static_cast<unsigned char>(token.text[0])) || token.text[0] == '"');
    if (literal && sources_.isWrittenInScratchSpace(sources_.getSpellingLoc(token.location)))
      return "#builtin";
    return token.text;
  }

  // What `decl`'s own code or value uses, directly. Only for the main
  // file's: the bodies of functions in headers are parsed or not depending
  // on whether they came from a precompiled preamble, and what is
  // fingerprinted must not depend on that.
  const std::vector<const clang::Decl*>& uses_of(const clang::Decl* decl) {
    auto [it, inserted] = uses_.try_emplace(decl);
    if (!inserted || !in_main_file(*decl)) return it->second;
    std::vector<const clang::Decl*> found;
    UseCollector collector(found);
    if (const auto* function = llvm::dyn_cast<clang::FunctionDecl>(decl)) {
      collector.TraverseDecl(const_cast<clang::FunctionDecl*>(function));
    } else if (const auto* variable = llvm::dyn_cast<clang::VarDecl>(decl)) {
      if (const clang::Expr* init = variable->getAnyInitializer())
        collector.TraverseStmt(const_cast<clang::Expr*>(init));
      collector.TraverseTypeLoc(variable->getTypeSourceInfo()
                                    ? variable->getTypeSourceInfo()->getTypeLoc()
                                    : clang::TypeLoc());
    } else if (const auto* field = llvm::dyn_cast<clang::FieldDecl>(decl)) {
      if (clang::Expr* init = field->getInClassInitializer()) collector.TraverseStmt(init);
    } else if (const auto* enumerator = llvm::dyn_cast<clang::EnumConstantDecl>(decl)) {
      for (const clang::EnumConstantDecl* e :
           llvm::cast<clang::EnumDecl>(enumerator->getDeclContext())->enumerators())
        if (const clang::Expr* init = e->getInitExpr())
          collector.TraverseStmt(const_cast<clang::Expr*>(init));
    } else if (const auto* alias = llvm::dyn_cast<clang::TypedefNameDecl>(decl)) {
      if (alias->getTypeSourceInfo())
        collector.TraverseTypeLoc(alias->getTypeSourceInfo()->getTypeLoc());
    } else if (const auto* alias_template = llvm::dyn_cast<clang::TypeAliasTemplateDecl>(decl)) {
      if (const clang::TypeAliasDecl* pattern = alias_template->getTemplatedDecl())
        if (pattern->getTypeSourceInfo())
          collector.TraverseTypeLoc(pattern->getTypeSourceInfo()->getTypeLoc());
    }
    it->second = std::move(found);
    return it->second;
  }

  // How a use is told apart from another: kind, qualified name, type and
  // template arguments; never where it is written (edits move things).
  const std::string& identity(const clang::Decl* decl) {
    auto [it, inserted] = identities_.try_emplace(decl);
    if (!inserted) return it->second;
    std::string text = decl->getDeclKindName();
    llvm::raw_string_ostream out(text);
    out << '|';
    if (const auto* named = llvm::dyn_cast<clang::NamedDecl>(decl))
      named->printQualifiedName(out, policy_);
    if (const auto* value = llvm::dyn_cast<clang::ValueDecl>(decl))
      out << '|' << value->getType().getCanonicalType().getAsString(policy_);
    if (const auto* function = llvm::dyn_cast<clang::FunctionDecl>(decl))
      if (const clang::TemplateArgumentList* arguments = function->getTemplateSpecializationArgs())
        for (const clang::TemplateArgument& argument : arguments->asArray()) {
          out << '<';
          argument.print(policy_, out, /*IncludeType=*/true);
        }
    out.flush();
    it->second = std::move(text);
    return it->second;
  }

  // The declaration whose text stands for what `decl` compiles into its
  // users, or null when only its identity matters (its code is reached by
  // a call, or it is not the project's).
  const clang::Decl* compiled_in(const clang::Decl* decl) {
    if (const auto* function = llvm::dyn_cast<clang::FunctionDecl>(decl)) {
      if (with_slot_.count(function->getCanonicalDecl())) return nullptr;
      if (is_closure_special_member(*function)) return nullptr;
      const clang::FunctionDecl* pattern = function->getTemplateInstantiationPattern();
      const clang::FunctionDecl* written = pattern ? pattern : function->getDefinition();
      if (!written) return nullptr;
      bool inlined = pattern || function->isInlined() || function->isConstexpr() ||
                     function->isImplicit() || function->isDefaulted() ||
                     sources_.isInMainFile(sources_.getExpansionLoc(written->getLocation()));
      return inlined && project_.holds(*written) ? written : nullptr;
    }
    if (const auto* variable = llvm::dyn_cast<clang::VarDecl>(decl)) {
      if (llvm::isa<clang::ParmVarDecl>(variable)) {
        const auto* param = llvm::cast<clang::ParmVarDecl>(variable);
        return param->hasDefaultArg() && !param->hasUninstantiatedDefaultArg() &&
                       !param->hasUnparsedDefaultArg() && project_.holds(*param)
                   ? param
                   : nullptr;
      }
      const clang::VarDecl* with_init = nullptr;
      if (is_mutable_variable(*variable) || !variable->getAnyInitializer(with_init) || !with_init)
        return nullptr;
      return project_.holds(*with_init) ? with_init : nullptr;
    }
    if (const auto* enumerator = llvm::dyn_cast<clang::EnumConstantDecl>(decl))
      return project_.holds(*enumerator) ? enumerator : nullptr;
    if (llvm::isa<clang::FieldDecl>(decl) || llvm::isa<clang::TypedefNameDecl>(decl) ||
        llvm::isa<clang::TypeAliasTemplateDecl>(decl) || llvm::isa<clang::EnumDecl>(decl))
      return project_.holds(*decl) ? decl : nullptr;
    return nullptr;
  }

  // The text that `decl` (as compiled_in returned it) contributes.
  const std::string& text_hash(const clang::Decl* decl) {
    auto [it, inserted] = texts_.try_emplace(decl);
    if (!inserted) return it->second;
    if (const auto* enumerator = llvm::dyn_cast<clang::EnumConstantDecl>(decl))
      decl = llvm::cast<clang::EnumDecl>(enumerator->getDeclContext());
    std::string text;
    if (decl->isImplicit())
      text = "";
    else if (!in_main_file(*decl))
      text = definition_tokens(decl->getBeginLoc(), llvm::isa<clang::FunctionDecl>(decl));
    else
      text = tokens_of(decl->getSourceRange());
    it->second = hex64(llvm::xxHash64(text));
    return it->second;
  }

  // The piece's own tokens, and everything it uses, transitively through
  // what is compiled in, as a set.
  std::string hash_of(clang::SourceRange range, const std::vector<const clang::Decl*>& direct) {
    std::set<std::string> used;
    std::set<const clang::Decl*> visited;
    std::vector<const clang::Decl*> pending(direct.begin(), direct.end());
    while (!pending.empty()) {
      const clang::Decl* decl = pending.back();
      pending.pop_back();
      if (!visited.insert(decl).second) continue;
      std::string entry = identity(decl);
      if (const clang::Decl* written = compiled_in(decl)) {
        entry += "=" + text_hash(written);
        // An instantiation's own body says what it resolved to.
        const clang::Decl* code = llvm::isa<clang::FunctionDecl>(decl) ? decl : written;
        if (const auto* function = llvm::dyn_cast<clang::FunctionDecl>(code))
          if (!function->getTemplateInstantiationPattern())
            code = function->getDefinition() ? function->getDefinition() : function;
        for (const clang::Decl* next : uses_of(code)) pending.push_back(next);
      }
      used.insert(std::move(entry));
    }
    std::string all = tokens_of(range);
    for (const std::string& entry : used) all += "\x1e" + entry;
    return hex64(llvm::xxHash64(all));
  }

  clang::ASTContext& context_;
  const clang::SourceManager& sources_;
  const Naming& naming_;
  const MacroTokens& macro_tokens_;
  ProjectFiles project_;
  clang::PrintingPolicy policy_;
  std::vector<CodeFingerprint> pieces_;
  std::map<std::string, int> keys_;
  std::set<const clang::Decl*> with_slot_;  // canonical declarations
  std::map<const clang::Decl*, std::vector<const clang::Decl*>> uses_;
  std::map<const clang::Decl*, std::string> identities_;
  std::map<const clang::Decl*, std::string> texts_;
};

// What a function written in the main file is as a piece, if it is one.
std::optional<CodeKind> kind_of(const clang::FunctionDecl& function, const Eligibility& verdict) {
  if (!verdict.listed) return std::nullopt;
  // A template with a slot per instantiation (template_slots.h) goes live
  // through them; one without counts in the functions that instantiate it.
  if (is_templated(function)) {
    if (verdict.eligible() && is_template_pattern(function)) return CodeKind::kFunction;
    return std::nullopt;
  }
  if (verdict.eligible()) return CodeKind::kFunction;
  if (function.isMain()) return CodeKind::kMain;
  // Its code runs with every object made or destroyed, defaulted or
  // constexpr too, and a patch has no body member to carry for it.
  if (is_constructor_or_destructor(function)) return CodeKind::kUnpatchable;
  const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(&function);
  if (method && method->getParent()->isLambda()) return std::nullopt;  // its enclosing function's
  // No code, or code compiled into each caller: counted in the pieces that use it.
  if (function.isDeleted() || function.isDefaulted() || function.isConstexpr() ||
      function.isConsteval() || function.isInlined())
    return std::nullopt;
  return CodeKind::kUnpatchable;
}

// A function written in the main file whose code is compiled into each
// caller (constexpr, inline without a slot): counted in the pieces that use
// it, which a patch compiles again with it.
bool is_inline_code(const clang::FunctionDecl& function, const Eligibility& verdict) {
  if (!verdict.listed || !function.doesThisDeclarationHaveABody() || function.isDeleted() ||
      function.isDefaulted())
    return false;
  const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(&function);
  if (method && method->getParent()->isLambda()) return false;
  // A template's code is compiled into each instantiation, which the
  // functions that instantiate it carry.
  return is_templated(function) || function.isConstexpr() || function.isInlined();
}

// Where the code of inline functions of the main file runs beyond the pieces
// that a patch compiles again: a library's template instantiation calling
// it (std::less<K>::operator() calling a constexpr K::operator<), a pointer
// to it kept somewhere, or another such function that escapes. An edit of
// one of these cannot go live: the old copies keep running.
class InlineCodeReach : public clang::RecursiveASTVisitor<InlineCodeReach> {
 public:
  // `slotted`: the watched templates with a slot per instantiation, which
  // their own calls, from anywhere, reach through it, and whose address is
  // their slot's way in; the library code that may run them still matters
  // (a patch's parse, skipping its bodies, may not see the instantiation).
  InlineCodeReach(clang::ASTContext& context, const std::set<const clang::FunctionDecl*>& watched,
                  const std::set<const clang::FunctionDecl*>& slotted)
      : context_(context), watched_(watched), slotted_(slotted) {}

  bool shouldVisitTemplateInstantiations() const { return true; }
  bool shouldVisitImplicitCode() const { return true; }

  bool TraverseDecl(clang::Decl* decl) {
    auto* function = llvm::dyn_cast_or_null<clang::FunctionDecl>(decl);
    if (function) enclosing_.push_back(function);
    bool result = clang::RecursiveASTVisitor<InlineCodeReach>::TraverseDecl(decl);
    if (function) enclosing_.pop_back();
    return result;
  }
  // Seen before its callee (parents are visited first).
  bool VisitCallExpr(clang::CallExpr* call) {
    if (const clang::Expr* callee = call->getCallee())
      callees_.insert(callee->IgnoreParenImpCasts());
    return true;
  }
  bool VisitDeclRefExpr(clang::DeclRefExpr* reference) {
    note(reference->getDecl(), reference);
    return true;
  }
  bool VisitMemberExpr(clang::MemberExpr* member) {
    note(member->getMemberDecl(), nullptr);  // a bound member function can only be called
    return true;
  }

  // Library templates given a class of the file (std::map<K, int>): their
  // code, whose bodies a parse may skip, can call the class's members and
  // the functions that take it (operators, ADL).
  bool VisitClassTemplateSpecializationDecl(clang::ClassTemplateSpecializationDecl* library) {
    if (!in_main_file(*library->getSpecializedTemplate(), context_.getSourceManager()))
      for (const clang::TemplateArgument& argument : library->getTemplateArgs().asArray())
        note_handed(argument, *library, 0);
    return true;
  }
  bool VisitFunctionDecl(clang::FunctionDecl* function) {
    if (function->getTemplateInstantiationPattern() && watched_.count(key(function)))
      instances_[key(function)].push_back(function);
    const clang::FunctionTemplateDecl* primary = function->getPrimaryTemplate();
    if (const clang::TemplateArgumentList* arguments = function->getTemplateSpecializationArgs())
      if (primary && !in_main_file(*primary, context_.getSourceManager()))
        for (const clang::TemplateArgument& argument : arguments->asArray())
          note_handed(argument, *function, 0);
    return true;
  }

  // Why each watched function's code runs where no patch reaches, for those
  // whose does: {function, reason}.
  std::map<const clang::FunctionDecl*, std::string> escaped() {
    for (const clang::FunctionDecl* function : watched_) {
      if (escaped_.count(function)) continue;
      std::vector<const clang::FunctionDecl*> forms = instances_[function];
      for (const clang::FunctionDecl* instance : forms)
        if (!slotted_.count(function) && !made_for_this_file_only(*instance, *function)) {
          escaped_[function] =
              "other files may call (" + print(*instance) + " is for them too: " +
              (instance->getTemplateSpecializationKind() == clang::TSK_ImplicitInstantiation
                   ? "a header declares its template)"
                   : "explicitly instantiated)");
          break;
        }
      if (escaped_.count(function)) continue;
      forms.push_back(function);
      for (const clang::FunctionDecl* form : forms)
        if (std::optional<std::string> holder = library_holder(*form)) {
          escaped_[function] = "library code may call (" + *holder + " holds its class)";
          break;
        }
    }
    for (bool grew = true; grew;) {
      grew = false;
      for (const auto& [callee, callers] : callers_)
        for (const clang::FunctionDecl* caller : callers)
          if (escaped_.count(caller) && !escaped_.count(callee)) {
            escaped_[callee] = "is compiled into " + caller->getQualifiedNameAsString() +
                               ", which " + escaped_[caller];
            grew = true;
            break;
          }
    }
    return escaped_;
  }

 private:
  // What is watched for `f`: the function, or the template it is an
  // instantiation of.
  static const clang::FunctionDecl* key(const clang::FunctionDecl* f) {
    const clang::FunctionDecl* pattern = f->getTemplateInstantiationPattern();
    return (pattern ? pattern : f)->getCanonicalDecl();
  }

  // The function whose code holds what is being visited; a lambda's body is
  // its enclosing function's.
  const clang::FunctionDecl* holder() const {
    for (auto it = enclosing_.rbegin(); it != enclosing_.rend(); ++it) {
      const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(*it);
      if (method && method->getParent()->isLambda()) continue;
      return *it;
    }
    return nullptr;
  }

  void note_handed(const clang::TemplateArgument& argument, const clang::NamedDecl& library,
                   int depth) {
    if (depth > 4) return;
    if (argument.getKind() == clang::TemplateArgument::Pack) {
      for (const clang::TemplateArgument& element : argument.pack_elements())
        note_handed(element, library, depth + 1);
      return;
    }
    if (argument.getKind() != clang::TemplateArgument::Type) return;
    const clang::Type* type = argument.getAsType()->getUnqualifiedDesugaredType();
    while (type->isPointerType() || type->isReferenceType())
      type = type->getPointeeType()->getUnqualifiedDesugaredType();
    const clang::CXXRecordDecl* record = type->getAsCXXRecordDecl();
    if (!record) return;
    record = record->getCanonicalDecl();
    if (in_main_file(*record, context_.getSourceManager())) {
      // Named by the plainest holder: one that takes the class itself, and
      // not a library's internal (reserved) name.
      std::string name = print(library);
      int rank = depth * 2 + (name.find("::__") != std::string::npos);
      remember_handed(record, rank, name);
      // A template of the file whose code the parse did not instantiate
      // (library bodies skipped) is held through any of its classes.
      if (const auto* specialization =
              llvm::dyn_cast<clang::ClassTemplateSpecializationDecl>(record))
        remember_handed(specialization->getSpecializedTemplate()->getCanonicalDecl(), rank, name);
    }
    if (const auto* nested = llvm::dyn_cast<clang::ClassTemplateSpecializationDecl>(record))
      for (const clang::TemplateArgument& inner : nested->getTemplateArgs().asArray())
        note_handed(inner, library, depth + 1);
  }

  void remember_handed(const clang::Decl* held, int rank, const std::string& name) {
    auto [at, added] = handed_.try_emplace(held, rank, name);
    if (!added && rank < at->second.first) at->second = {rank, name};
  }

  std::string print(const clang::NamedDecl& declaration) const {
    std::string text;
    llvm::raw_string_ostream out(text);
    declaration.getNameForDiagnostic(out, context_.getPrintingPolicy(), /*Qualified=*/true);
    return out.str();
  }

  // The library template that holds the class `function` belongs to or
  // takes, if one does. For a template of the file, any of its classes
  // counts, and an operator taking any type (`const T&`) may be found for
  // every class that library code holds.
  std::optional<std::string> library_holder(const clang::FunctionDecl& function) const {
    auto held = [&](const clang::Decl* decl) -> std::optional<std::string> {
      if (!decl) return std::nullopt;
      auto found = handed_.find(decl->getCanonicalDecl());
      if (found == handed_.end()) return std::nullopt;
      return found->second.second;
    };
    if (const auto* method = llvm::dyn_cast<clang::CXXMethodDecl>(&function)) {
      if (std::optional<std::string> holder = held(method->getParent())) return holder;
      if (std::optional<std::string> holder =
              held(method->getParent()->getDescribedClassTemplate()))
        return holder;
    }
    for (const clang::ParmVarDecl* parameter : function.parameters()) {
      const clang::Type* type = parameter->getType().getTypePtr();
      while (type->isPointerType() || type->isReferenceType())
        type = type->getPointeeType().getTypePtr();
      if (std::optional<std::string> holder = held(type->getAsCXXRecordDecl())) return holder;
      if (const auto* written = type->getAs<clang::TemplateSpecializationType>())
        if (std::optional<std::string> holder =
                held(written->getTemplateName().getAsTemplateDecl()))
          return holder;
      if (type->getAs<clang::TemplateTypeParmType>() && function.isOverloadedOperator() &&
          !handed_.empty())
        return handed_.begin()->second.second;
    }
    return std::nullopt;
  }

  void note(const clang::ValueDecl* declaration, const clang::DeclRefExpr* reference) {
    const auto* target = llvm::dyn_cast_or_null<clang::FunctionDecl>(declaration);
    if (!target || !watched_.count(key(target))) return;
    target = key(target);
    const clang::FunctionDecl* caller = holder();
    if (!caller) return;  // a variable's initialiser: evaluated once, counted in its piece
    if (reference && !callees_.count(reference)) {
      if (slotted_.count(target)) return;
      escaped_.emplace(target, "has its address taken in " + caller->getQualifiedNameAsString() +
                                   " (a pointer to the old code may be kept)");
      return;
    }
    const clang::FunctionDecl* origin = caller->getTemplateInstantiationPattern();
    if (!origin) origin = caller;
    if (in_main_file(*origin, context_.getSourceManager())) {
      callers_[target].insert(key(caller));
      return;
    }
    escaped_.emplace(target, "library code calls (" + caller->getQualifiedNameAsString() + ")");
  }

  clang::ASTContext& context_;
  const std::set<const clang::FunctionDecl*>& watched_;
  const std::set<const clang::FunctionDecl*>& slotted_;
  std::vector<const clang::FunctionDecl*> enclosing_;
  std::set<const clang::Expr*> callees_;
  std::map<const clang::FunctionDecl*, std::set<const clang::FunctionDecl*>> callers_;
  std::map<const clang::FunctionDecl*, std::string> escaped_;
  // Watched template -> its instantiations.
  std::map<const clang::FunctionDecl*, std::vector<const clang::FunctionDecl*>> instances_;
  // Class (or class template of the file) -> the library template named as
  // holding it, with its rank.
  std::map<const clang::Decl*, std::pair<int, std::string>> handed_;
};

// The pieces in source order: functions, variables and member initialisers.
class PieceCollector : public clang::RecursiveASTVisitor<PieceCollector> {
 public:
  PieceCollector(const clang::SourceManager& sources) : sources_(sources) {}

  bool VisitFunctionDecl(clang::FunctionDecl* function) {
    if (!in_main_file(*function, sources_)) return true;
    Eligibility verdict = eligibility(*function, sources_);
    std::optional<CodeKind> kind = kind_of(*function, verdict);
    if (kind)
      functions.push_back({function, *kind, verdict.reason.value_or(""), false});
    else if (is_inline_code(*function, verdict))
      functions.push_back({function, CodeKind::kInline, "", true});
    if (const auto* constructor = llvm::dyn_cast<clang::CXXConstructorDecl>(function);
        constructor && kind == CodeKind::kFunction)
      for (const clang::CXXCtorInitializer* initialiser : constructor->inits())
        if (initialiser->isWritten()) initialisers.emplace_back(constructor, initialiser);
    return true;
  }
  bool VisitVarDecl(clang::VarDecl* variable) {
    if (!in_main_file(*variable, sources_) || llvm::isa<clang::ParmVarDecl>(variable) ||
        llvm::isa<clang::DecompositionDecl>(variable) || variable->getName().empty() ||
        !is_mutable_variable(*variable) || is_templated(*variable) ||
        variable->isThisDeclarationADefinition() != clang::VarDecl::Definition)
      return true;
    if (variable->isStaticLocal() || variable->isFileVarDecl() || variable->isStaticDataMember())
      variables.push_back(variable);
    return true;
  }
  bool VisitFieldDecl(clang::FieldDecl* field) {
    if (in_main_file(*field, sources_) && field->hasInClassInitializer() && !is_templated(*field))
      fields.push_back(field);
    return true;
  }

  struct Function {
    const clang::FunctionDecl* decl;
    CodeKind kind;
    std::string detail;
    // Compiled into its callers: kInline, unless its code also runs where no
    // patch reaches (see InlineCodeReach).
    bool inline_code;
  };
  std::vector<Function> functions;
  std::vector<const clang::VarDecl*> variables;
  std::vector<const clang::FieldDecl*> fields;
  std::vector<std::pair<const clang::CXXConstructorDecl*, const clang::CXXCtorInitializer*>>
      initialisers;

 private:
  const clang::SourceManager& sources_;
};

std::string what_inline_code_is(const clang::FunctionDecl& function) {
  if (function.getDescribedFunctionTemplate()) return "function template";
  if (is_templated(function)) return "member of a template";
  return function.isConstexpr() ? "constexpr function" : "inline function";
}

// A template some of whose instantiations have no slot (a lambda's type as
// an argument cannot be written where records are) runs their code only in
// the functions that instantiate it: it is inline code, live with them.
void mark_templates_not_wholly_slotted(const Naming& naming,
                                       std::vector<PieceCollector::Function>& functions) {
  for (PieceCollector::Function& f : functions) {
    if (f.kind != CodeKind::kFunction || !is_templated(*f.decl)) continue;
    for (const clang::FunctionDecl* instance : instances_of(*f.decl))
      if (!template_slot_of(*instance, *f.decl, naming)) {
        f.kind = CodeKind::kInline;
        f.inline_code = true;
        break;
      }
  }
}

// Inline functions whose code escapes the pieces a patch compiles again
// become unpatchable pieces, refused when they change, and so do templates
// with slots that library code may run. A patch's parse skips library
// bodies and so sees fewer escapes: the running code's kind (the build's)
// decides.
void mark_inline_code_that_escapes(clang::ASTContext& context,
                                   std::vector<PieceCollector::Function>& functions) {
  std::set<const clang::FunctionDecl*> watched, slotted;
  auto has_slots = [](const PieceCollector::Function& f) {
    return f.kind == CodeKind::kFunction && is_templated(*f.decl);
  };
  for (const PieceCollector::Function& f : functions) {
    if (f.inline_code || has_slots(f)) watched.insert(f.decl->getCanonicalDecl());
    if (has_slots(f)) slotted.insert(f.decl->getCanonicalDecl());
  }
  if (watched.empty()) return;
  InlineCodeReach reach(context, watched, slotted);
  reach.TraverseDecl(context.getTranslationUnitDecl());
  std::map<const clang::FunctionDecl*, std::string> escaped = reach.escaped();
  for (PieceCollector::Function& f : functions) {
    if (!f.inline_code && !has_slots(f)) continue;
    auto found = escaped.find(f.decl->getCanonicalDecl());
    if (found == escaped.end()) continue;
    f.kind = CodeKind::kUnpatchable;
    f.detail = what_inline_code_is(*f.decl) + " that " + found->second;
  }
}

}  // namespace

std::string template_key(const clang::FunctionDecl& pattern, const Naming& naming) {
  return "template:" + naming.readable_name(pattern);
}

std::string template_parameter_kinds(const clang::FunctionDecl& pattern) {
  const clang::FunctionTemplateDecl* described = pattern.getDescribedFunctionTemplate();
  if (!described) return "";
  std::string text = "<";
  for (const clang::NamedDecl* parameter : *described->getTemplateParameters()) {
    if (text.size() > 1) text += ", ";
    if (const auto* value = llvm::dyn_cast<clang::NonTypeTemplateParmDecl>(parameter))
      text += value->getType().getAsString();
    else
      text += llvm::isa<clang::TemplateTemplateParmDecl>(parameter) ? "template" : "class";
    if (parameter->isTemplateParameterPack()) text += "...";
  }
  return text + ">";
}

bool template_changed(const clang::FunctionDecl& pattern, const Naming& naming,
                      const std::set<std::string>& changed_keys) {
  std::string key = template_key(pattern, naming);
  // The key, or the key of a function template (its name, "|", its
  // parameters), or either made unique ("#2"): over-counting only switches
  // an unchanged instantiation to the patch's copy of the same code.
  for (auto next = changed_keys.lower_bound(key);
       next != changed_keys.end() && llvm::StringRef(*next).startswith(key); ++next)
    if (*next == key || (*next)[key.size()] == '|' || (*next)[key.size()] == '#') return true;
  return false;
}

std::vector<CodeFingerprint> fingerprint_header(
    const clang::SourceManager& sources, const clang::LangOptions& language, clang::FileID header,
    const std::string& project_file, const Naming& naming, const std::vector<HeaderBody>& bodies,
    const std::vector<const clang::FieldDecl*>& fields, const MacroTokens& macros) {
  clang::PrintingPolicy policy(language);
  policy.AnonymousTagLocations = false;
  // The pieces, each with the offsets [begin, end) of its text in the header.
  std::vector<CodeFingerprint> pieces;
  std::map<unsigned, std::pair<unsigned, std::size_t>> ranges;  // begin -> {end, piece}
  std::map<std::string, int> keys;
  auto add = [&](CodeFingerprint piece, clang::SourceLocation first, clang::SourceLocation last) {
    auto [begin_file, begin] = sources.getDecomposedLoc(sources.getExpansionLoc(first));
    last = sources.getExpansionLoc(last);
    auto [end_file, end] = sources.getDecomposedLoc(last);
    if (begin_file != header || end_file != header || end < begin) return;
    end += clang::Lexer::MeasureTokenLength(last, sources, language);
    ranges.emplace(begin, std::make_pair(end, pieces.size()));
    // Two pieces of one key would each be compared with the first.
    if (int uses = ++keys[piece.key]; uses > 1) piece.key += "#" + std::to_string(uses);
    pieces.push_back(std::move(piece));
  };
  for (const HeaderBody& body : bodies) {
    EditPoints points(*body.function);
    add({body.kind, body.id, naming.readable_name(*body.function), body.detail, ""},
        points.body_start, points.body_last);
    // What runs before a constructor's body, which objects that exist
    // have run: a change is refused by the member's name.
    if (const auto* constructor = llvm::dyn_cast<clang::CXXConstructorDecl>(body.function))
      for (const clang::CXXCtorInitializer* initialiser : constructor->inits())
        if (initialiser->isWritten())
          add({CodeKind::kConstructorInitialiser,
               "ctor-init:" + initialised_name(*initialiser, policy) + "@" + body.id,
               initialised_name(*initialiser, policy) + " of " + naming.readable_name(*constructor),
               "", ""},
              initialiser->getSourceRange().getBegin(), initialiser->getSourceRange().getEnd());
  }
  for (const clang::FieldDecl* field : fields)
    if (const clang::Expr* init = field->getInClassInitializer())
      add({CodeKind::kMemberInitialiser, "init:" + field->getQualifiedNameAsString(),
           field->getQualifiedNameAsString(), "", ""},
          init->getBeginLoc(), init->getEndLoc());
  std::vector<std::string> texts(pieces.size());
  std::string rest;
  bool invalid = false;
  llvm::StringRef buffer = sources.getBufferData(header, &invalid);
  if (invalid) return {};
  clang::Lexer lexer(sources.getLocForStartOfFile(header), language, buffer.begin(), buffer.begin(),
                     buffer.end());
  clang::Token token;
  for (;;) {
    lexer.LexFromRawLexer(token);
    if (token.is(clang::tok::eof)) break;
    unsigned offset = sources.getFileOffset(token.getLocation());
    std::string* text = &rest;
    auto inside = ranges.upper_bound(offset);
    if (inside != ranges.begin() && offset < std::prev(inside)->second.first)
      text = &texts[std::prev(inside)->second.second];
    text->append(buffer.data() + offset, token.getLength());
    *text += ' ';
    if (text != &rest && token.is(clang::tok::raw_identifier)) {
      std::string definition = macros.definition_of(token.getRawIdentifier());
      if (!definition.empty()) *text += "\x1f" + definition + ' ';
    }
  }
  for (std::size_t i = 0; i < pieces.size(); ++i) pieces[i].hash = hex64(llvm::xxHash64(texts[i]));
  pieces.push_back({CodeKind::kDeclarations, "declarations:" + project_file,
                    "the declarations of " + project_file, "", hex64(llvm::xxHash64(rest))});
  return pieces;
}

std::vector<CodeFingerprint> fingerprint_file(
    clang::ASTContext& context, const Naming& naming, const MacroTokens& macro_tokens,
    const std::string& project_root,
    const std::vector<std::pair<std::string, std::string>>& layouts,
    const std::map<const clang::FunctionDecl*, std::string>& without_slot,
    const LambdaSlots& lambdas) {
  PieceCollector collector(context.getSourceManager());
  collector.TraverseDecl(context.getTranslationUnitDecl());
  mark_templates_not_wholly_slotted(naming, collector.functions);
  mark_inline_code_that_escapes(context, collector.functions);
  for (PieceCollector::Function& f : collector.functions)
    if (auto missing = without_slot.find(f.decl); missing != without_slot.end()) {
      f.kind = CodeKind::kUnpatchable;
      f.detail = missing->second;
    }
  Fingerprinter fingerprinter(context, naming, macro_tokens, project_root);
  // A function the build could not give a slot is still compiled as a
  // function of its own, which a patch's parse takes for one with a slot:
  // both use it by identity (a change of it is refused by its own piece).
  // A constexpr function's text counts in the functions that use it too:
  // what they computed with it at compile time changes with it.
  for (const PieceCollector::Function& f : collector.functions)
    if ((f.kind == CodeKind::kFunction && !f.decl->isConstexpr()) || without_slot.count(f.decl))
      fingerprinter.note_slot(*f.decl);
  for (const PieceCollector::Function& f : collector.functions) {
    bool local = f.kind == CodeKind::kFunction && is_local_class_member(*f.decl);
    fingerprinter.add_function(*f.decl, f.kind,
                               f.kind == CodeKind::kUnpatchable ? f.detail
                               : local                          ? kLocalClassMember
                                                                : "");
  }
  for (const clang::VarDecl* variable : collector.variables) fingerprinter.add_variable(*variable);
  for (const clang::FieldDecl* field : collector.fields)
    fingerprinter.add_member_initialiser(*field);
  for (const auto& [constructor, initialiser] : collector.initialisers)
    fingerprinter.add_constructor_initialiser(*constructor, *initialiser);
  for (const auto& [lambda, detail] : lambdas) fingerprinter.add_lambda(*lambda, detail);
  std::vector<CodeFingerprint> code = fingerprinter.take();
  // The detail says what kind of type's layout it is, for messages.
  for (const auto& [name, layout] : layouts) {
    llvm::StringRef text(layout);
    std::string kind = text.startswith("enum of")      ? "enum"
                       : text.startswith("enumerator") ? "enumerator"
                                                       : "";
    code.push_back(
        {CodeKind::kLayout, "layout:" + name, name, kind, hex64(llvm::xxHash64(layout))});
  }
  return code;
}

}  // namespace softpatch::rewriter
