#include "softpatch/changes/code_changes.h"

#include <map>
#include <set>

namespace softpatch {
namespace {

// Why a piece that is not patched live cannot change under a running program.
std::string not_live(const CodeFingerprint& piece) {
  switch (piece.kind) {
    case CodeKind::kConstructor:
      return "this build gave constructors no slot";
    case CodeKind::kDestructor:
      return "this build gave destructors no slot";
    case CodeKind::kMain:
      return "main is not patched live (it is running)";
    case CodeKind::kMemberInitialiser:
    case CodeKind::kConstructorInitialiser:
      return "a patch replaces constructor bodies only, and objects that exist keep their "
             "members";
    case CodeKind::kLayout:
      return "objects that exist have the old one";
    case CodeKind::kUnpatchable:
      return (piece.detail.empty() ? "this function" : "a " + piece.detail) +
             " is not patched live";
    case CodeKind::kInline:
      return "code compiled into each caller (constexpr, or inline without a slot) is not "
             "patched live";
    case CodeKind::kDeclarations:
      return "what a header declares is compiled into every file that includes it (only the "
             "bodies of its functions are patched live)";
    case CodeKind::kFunction:
    case CodeKind::kInitialiser:
    case CodeKind::kLambda:
      break;
  }
  return "it is not patched live";
}

std::string title(const CodeFingerprint& piece) {
  switch (piece.kind) {
    case CodeKind::kConstructor:
      return "constructor " + piece.name;
    case CodeKind::kDestructor:
      return "destructor " + piece.name;
    case CodeKind::kMemberInitialiser:
      return "default member initialiser of " + piece.name;
    case CodeKind::kConstructorInitialiser:
      return "member initialiser " + piece.name;
    case CodeKind::kLayout:  // the detail says "enum" or "enumerator"; else a class
      return (piece.detail.empty() ? "class" : piece.detail) + " " + piece.name;
    default:
      return piece.name;
  }
}

// Pieces that may go without a word: functions say so in the patch line; a
// variable or a class no longer there leaves what exists as it is.
bool may_go(CodeKind kind) {
  return kind == CodeKind::kFunction || kind == CodeKind::kInitialiser ||
         kind == CodeKind::kLayout || kind == CodeKind::kInline || kind == CodeKind::kLambda;
}

// "Store::get(const std::string &) const" -> "Store::get": the name up to
// the parameter list that ends it.
std::string without_parameters(const std::string& name) {
  int depth = 0;
  for (std::size_t i = name.size(); i-- > 0;) {
    if (name[i] == ')') ++depth;
    if (name[i] == '(' && --depth == 0) {
      // "operator()(int)": the list just found is the parameters.
      return name.substr(0, i);
    }
  }
  return name;
}

std::string named_list(const std::vector<std::string>& names) {
  std::map<std::string, int> uses;
  for (const std::string& name : names) ++uses[without_parameters(name)];
  std::string out;
  constexpr std::size_t kShown = 5;
  for (std::size_t i = 0; i < names.size() && i < kShown; ++i) {
    std::string brief = without_parameters(names[i]);
    out += (i ? ", " : "") + (uses[brief] > 1 ? names[i] : brief);
  }
  if (names.size() > kShown) out += ", …";
  return out;
}

// A lambda's slot id without what its closure holds: "slot
// _Z1fv::lambda#0/1(int) const [n: int]" -> "slot _Z1fv::lambda#0/1(int) const".
std::string without_captures(const std::string& detail) {
  return detail.substr(0, detail.find(" ["));
}

// Why closures of the lambda `running` made before the patch keep the old
// body, given what the edit makes of it (null: gone from its place), or
// nothing when its slot takes them to the new one.
std::optional<std::string> why_closures_keep_old_code(const CodeFingerprint& running,
                                                      const CodeFingerprint* edited) {
  if (!edited) return "it moved or went";
  bool slotted = running.detail.rfind("slot ", 0) == 0;
  if (slotted && edited->detail == running.detail) return std::nullopt;
  if (!slotted)
    return "a " + running.detail.substr(0, running.detail.find(" (")) + " has no slot of its own";
  if (edited->detail.rfind("slot ", 0) == 0)
    return without_captures(edited->detail) == without_captures(running.detail)
               ? "its captures changed"
               : "its parameters changed";
  return "as edited, a " + edited->detail.substr(0, edited->detail.find(" (")) +
         " has no slot of its own";
}

// The lambdas of one function, of one count: the key without its place
// ("lambda:_Z1fv::lambda#1/3" -> "lambda:_Z1fv::lambda#/3").
std::string lambda_group(const std::string& key) {
  std::size_t at = key.rfind("::lambda#");
  std::size_t slash = key.find('/', at);
  if (at == std::string::npos || slash == std::string::npos) return key;
  return key.substr(0, at + 9) + key.substr(slash);
}

// A lambda whose text stands at another place of the same function now,
// among as many lambdas: the slots of both places would lead to the other's
// body (a lambda's id is its place).
const CodeFingerprint* moved_lambda(const CodeFingerprint& edited,
                                    const std::vector<CodeFingerprint>& running) {
  for (const CodeFingerprint& piece : running)
    if (piece.kind == CodeKind::kLambda && piece.key != edited.key && piece.hash == edited.hash &&
        lambda_group(piece.key) == lambda_group(edited.key))
      return &piece;
  return nullptr;
}

}  // namespace

CodeChanges compare(const std::vector<CodeFingerprint>& running,
                    const std::vector<CodeFingerprint>& edited) {
  std::map<std::string, const CodeFingerprint*> before;
  for (const CodeFingerprint& piece : running) before.emplace(piece.key, &piece);
  CodeChanges changes;
  // A changed member initialiser also changes the constructors that use it:
  // name the cause.
  bool refused_for_member = false;
  auto refuse = [&](const CodeFingerprint& piece, const std::string& why) {
    bool member = piece.kind == CodeKind::kMemberInitialiser ||
                  piece.kind == CodeKind::kConstructorInitialiser;
    if (changes.refusal && (refused_for_member || !member)) return;
    changes.refusal = why + ": restart needed";
    refused_for_member = member;
  };
  std::set<std::string> seen;
  for (const CodeFingerprint& piece : edited) seen.insert(piece.key);
  for (const CodeFingerprint& piece : edited) {
    auto found = before.find(piece.key);
    if (piece.kind == CodeKind::kLambda) {
      if (found == before.end() || found->second->hash == piece.hash) continue;
      if (const CodeFingerprint* moved = moved_lambda(piece, running)) {
        refuse(piece, moved->name + " is now where " + found->second->name +
                          " was: the closures made before the patch would run the other's body");
        continue;
      }
      if (std::optional<std::string> why = why_closures_keep_old_code(*found->second, &piece))
        changes.old_closures.push_back(found->second->name + " (" + *why + ")");
      continue;
    }
    // A constructor that runs gets no initialiser it did not have; a new
    // constructor comes with its own.
    if (found == before.end() && piece.kind == CodeKind::kConstructorInitialiser &&
        before.count(std::string(constructor_of_initialiser(piece.key)))) {
      refuse(piece, title(piece) + " was added: " + not_live(piece));
      continue;
    }
    // Only the build's record of a header's declarations says its bodies
    // are all that changed.
    if (found == before.end() && piece.kind == CodeKind::kDeclarations) {
      refuse(piece, "the running program has no record of " + title(piece) +
                        " to compare the edit with (built by another softpatch?)");
      continue;
    }
    if (found == before.end()) {
      // A new variable's initialiser runs when the patch loads.
      if (piece.kind != CodeKind::kMemberInitialiser &&
          piece.kind != CodeKind::kConstructorInitialiser && piece.kind != CodeKind::kLayout &&
          piece.kind != CodeKind::kInline)
        changes.added.push_back(piece.name);
      continue;
    }
    if (found->second->hash == piece.hash) continue;
    // What runs decides: a function the build could not give a slot is not
    // patched live, whatever the edited file's parse says of it.
    const CodeFingerprint& running_piece = *found->second;
    // And a function that runs through its slot stays live only while the
    // edit leaves it one: nothing would switch it otherwise.
    if (running_piece.kind == CodeKind::kFunction && piece.kind != CodeKind::kFunction)
      refuse(piece, title(piece) + " changed: as edited, " + not_live(piece));
    else if (running_piece.kind == CodeKind::kFunction) {
      changes.changed.push_back(piece.name);
      if (piece.detail == kLocalClassMember) changes.old_objects.push_back(piece.name);
    } else if (running_piece.kind == CodeKind::kInitialiser)
      changes.kept_values.push_back(piece.name);
    else if (running_piece.kind == CodeKind::kInline)
      continue;  // its callers changed with it, and go live

    else if (running_piece.kind == CodeKind::kLayout)
      refuse(running_piece,
             title(running_piece) + " changed its layout: " + not_live(running_piece));
    else
      refuse(running_piece, title(running_piece) + " changed: " + not_live(running_piece));
  }
  for (const CodeFingerprint& piece : running) {
    if (seen.count(piece.key)) continue;
    if (piece.kind == CodeKind::kLambda) {
      changes.old_closures.push_back(piece.name + " (" +
                                     *why_closures_keep_old_code(piece, nullptr) + ")");
      continue;
    }
    // Gone with its constructor, which the patch line names.
    if (piece.kind == CodeKind::kConstructorInitialiser &&
        !seen.count(std::string(constructor_of_initialiser(piece.key))))
      continue;
    if (piece.kind == CodeKind::kFunction)
      changes.removed.push_back(piece.name);
    else if (!may_go(piece.kind))
      refuse(piece, title(piece) + " was removed: " + not_live(piece));
  }
  return changes;
}

std::string describe(const CodeChanges& changes) {
  std::string out;
  auto add = [&](const std::vector<std::string>& names, const char* what) {
    if (names.empty()) return;
    out += (out.empty() ? "" : ", ") + std::to_string(names.size()) + " " + what + " (" +
           named_list(names) + ")";
  };
  add(changes.changed, "changed");
  add(changes.added, "added");
  add(changes.removed, "removed");
  return out.empty() ? "no function changed" : out;
}

std::vector<std::string> old_closure_notes(const CodeChanges& changes) {
  std::vector<std::string> notes;
  for (const std::string& lambda : changes.old_closures) {
    std::size_t why = lambda.rfind(" (");
    notes.push_back("closures of " + lambda.substr(0, why) +
                    " made before the patch run its old body" + lambda.substr(why));
  }
  for (const std::string& member : changes.old_objects)
    notes.push_back("objects made before the patch run the old " + member +
                    " (a class local to a function is the patch's own)");
  return notes;
}

std::vector<std::string> kept_value_notes(const CodeChanges& changes) {
  std::vector<std::string> notes;
  for (const std::string& name : changes.kept_values)
    notes.push_back("the running value of " + name +
                    " is kept (its initialiser changed; restart to start from the new one)");
  return notes;
}

}  // namespace softpatch
