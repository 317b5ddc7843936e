// What one piece of a file's code is: a fingerprint of its text and of the
// text of everything it depends on, so that an edit can be compared with the
// code that runs, piece by piece. The rewriter takes them when it
// instruments a file (they go into the binary) and when it makes a patch
// (they go into its manifest); the loader answers with those of the code
// that runs (the last active patch of the file, else the build).
//
//   CodeFingerprint f{CodeKind::kConstructor, "_ZN7RequestC1Ei", "Request::Request(int)",
//                     "", "3f1c9a0b77d2e415"};
//   kind_word(f.kind);  // "constructor"
#ifndef SOFTPATCH_CHANGES_CODE_FINGERPRINT_H
#define SOFTPATCH_CHANGES_CODE_FINGERPRINT_H

#include <optional>
#include <string>
#include <string_view>

namespace softpatch {

// What a piece of code is, which decides what a change of it means.
enum class CodeKind {
  kFunction,                // has a slot: a changed body goes live with the patch
  kConstructor,             // a constructor without a slot (before softpatch gave
                            // them one): a change needs a restart
  kDestructor,              // likewise
  kMain,                    // likewise
  kUnpatchable,             // other code of its own without a slot (a C variadic
                            // function, an opted-out one...): `detail` says which
  kInitialiser,             // a variable's initialiser: the running value is kept
  kMemberInitialiser,       // a default member initialiser: objects that exist keep
                            // theirs, and constructors run it before the body a
                            // patch replaces
  kConstructorInitialiser,  // one written initialiser of a constructor (a
                            // member, a base, a delegation): likewise
  kLayout,                  // a class's layout as the file sees it: objects that
                            // exist have the old one
  kInline,                  // code compiled into its callers only (constexpr, inline
                            // without a slot): goes live with the callers, counted in
                            // theirs. Where the build saw it escape them (library code
                            // calls it), the build says kUnpatchable instead.
  kDeclarations,            // a project header's text outside the bodies of its
                            // functions with slots (declarations, classes, macros,
                            // templates): compiled into every file that includes
                            // it, so a change needs a rebuild
  kLambda,                  // a lambda of a function with a slot, by its place there:
                            // `detail` is "slot <id>" when it has one of its own, else
                            // why not. Its text is its enclosing function's too, so
                            // it goes live with it; closures made before the patch run
                            // the new body only through an unchanged slot
};

// The `detail` of a kFunction piece that is a member of a class local to a
// function: a patch's class is a class of its own, whose objects only the
// patch's code makes.
inline constexpr char kLocalClassMember[] = "member of a class local to a function";

// The kind's word, as records and the agent protocol spell it.
std::string_view kind_word(CodeKind kind);
// The kind a word names, if any.
std::optional<CodeKind> kind_from_word(std::string_view word);

// The key of the constructor a kConstructorInitialiser's key belongs to.
std::string_view constructor_of_initialiser(std::string_view key);

// Whether `text` is a hash as the rewriter writes one (16 lowercase hex
// digits): records read from a patch or a reply are checked with it.
bool is_code_hash(std::string_view text);

struct CodeFingerprint {
  CodeKind kind = CodeKind::kFunction;
  // Stable across builds and edits: the function's id (mangled, file
  // prefixed when internal), "var:<qualified name>", "init:<class>::<field>",
  // "ctor-init:<member>@<constructor's key>" (constructor_of_initialiser),
  // "layout:<class>", "declarations:<header>".
  std::string key;
  std::string name;    // readable: "Store::get(const std::string &) const"
  std::string detail;  // kUnpatchable: why ("C variadic function"); kLayout: "enum",
                       // "enumerator" or "" (a class); else ""
  std::string hash;    // 16 lowercase hex digits
};

}  // namespace softpatch

#endif  // SOFTPATCH_CHANGES_CODE_FINGERPRINT_H
