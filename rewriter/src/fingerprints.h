// The fingerprints of a file's code (softpatch/changes/code_fingerprint.h),
// taken alike in instrument mode (they go into the binary) and patch mode
// (into the manifest), so that an edit can be compared with the code that
// runs, piece by piece.
//
// A piece is a function definition written in the main file (a template
// too: a function piece when each of its instantiations has a slot, else
// inline code that counts in the pieces that use it), a mutable variable's
// initialiser, or a default member initialiser of a
// class written there. Its hash covers:
//   * its tokens as the parser saw them: comments and spacing do not count,
//     a macro invocation counts with what it expanded to;
//   * every declaration its code uses, by identity (a call that now
//     resolves to another overload changes the caller), and, for those
//     whose code or value is compiled into it — inline and constexpr
//     functions, instantiated templates, constants, enumerators, type
//     aliases, default arguments and member initialisers — by text too,
//     when they are the project's (under the project root and not system
//     headers): followed transitively within the main file; a header's
//     declaration counts by its own tokens (uses inside it are not followed).
// Functions with slots are used by identity only: a call reaches their
// code through the slot, so their own change is theirs. The set of what a
// piece uses is hashed in sorted order: equal source, equal hash, whatever
// the order of the file or a precompiled preamble.
#ifndef SOFTPATCH_REWRITER_FINGERPRINTS_H
#define SOFTPATCH_REWRITER_FINGERPRINTS_H

#include <map>
#include <set>
#include <string>
#include <vector>

#include "clang/AST/ASTContext.h"

#include "lambda_slots.h"
#include "macro_tokens.h"
#include "naming.h"
#include "softpatch/changes/code_fingerprint.h"

namespace softpatch::rewriter {

// The pieces of the main file of `context`: its functions, then its
// variables, then its member initialisers, each in source order, then the
// layouts of the classes it sees.
// `layouts` ({class, layout fingerprint}, layouts.h) become pieces too, last.
// Eligible functions that did not get a slot all the same are named in
// `without_slot`, with the reason: they are pieces that are not patched live.
std::vector<CodeFingerprint> fingerprint_file(
    clang::ASTContext& context, const Naming& naming, const MacroTokens& macro_tokens,
    const std::string& project_root,
    const std::vector<std::pair<std::string, std::string>>& layouts,
    const std::map<const clang::FunctionDecl*, std::string>& without_slot = {},
    const LambdaSlots& lambdas = {});

// The key of the piece of a template, or how the key of a function
// template's starts (its template parameters follow, after a "|").
std::string template_key(const clang::FunctionDecl& pattern, const Naming& naming);

// A function template's own template parameters, by kind ("<bool, class...>";
// "" for a function that is not one): what tells apart overloads of one
// name and type (`template <bool B> int count()`, `template <bool A, bool B,
// bool... C> int count()`).
std::string template_parameter_kinds(const clang::FunctionDecl& pattern);

// Whether the piece of the template `pattern` is among `changed_keys`.
bool template_changed(const clang::FunctionDecl& pattern, const Naming& naming,
                      const std::set<std::string>& changed_keys);

// A function of a project header with a slot in this translation unit, as
// its header's pieces count it: `kind` kFunction when a patch of the header
// carries its body; else the kind and detail that say why it does not.
struct HeaderBody {
  const clang::FunctionDecl* function;
  std::string id;  // as registered (tagged)
  CodeKind kind = CodeKind::kFunction;
  std::string detail;
};

// The pieces of the project header `header` (`project_file`, relative to the
// root): each of `bodies` by the tokens of its body, each written member
// initialiser of a constructor among them and each default member
// initialiser of `fields` (the header's, with one) by its tokens, and one
// kDeclarations piece for all the rest of the header's text — its declarations, classes,
// macros, templates, and the bodies of functions without a slot — by its
// tokens too (comments and spacing never count); a body's hash also takes
// the definition of each macro it names, as this file sees it (a file may
// define the macros a header uses differently). Found by the text alone,
// so that every file that includes the header, and a patch, take the same
// pieces whatever they parsed or took from a precompiled preamble.
std::vector<CodeFingerprint> fingerprint_header(
    const clang::SourceManager& sources, const clang::LangOptions& language, clang::FileID header,
    const std::string& project_file, const Naming& naming, const std::vector<HeaderBody>& bodies,
    const std::vector<const clang::FieldDecl*>& fields, const MacroTokens& macros);

}  // namespace softpatch::rewriter

#endif  // SOFTPATCH_REWRITER_FINGERPRINTS_H
