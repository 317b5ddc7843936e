// What an edit changes in the code that runs: the fingerprints of the edited
// file compared with those of the running code, piece by piece, and whether
// the edit can go live.
//
//   CodeChanges changes = compare(running, edited);
//   if (changes.refusal) return fail(file + ": " + *changes.refusal);  // restart needed
//   if (changes.none()) return say(file + ": no change in the code that runs");
//   say(file + " → patch 3: " + describe(changes));  // "2 changed (get, make_key), 1 added (...)"
#ifndef SOFTPATCH_CHANGES_CODE_CHANGES_H
#define SOFTPATCH_CHANGES_CODE_CHANGES_H

#include <optional>
#include <string>
#include <vector>

#include "softpatch/changes/code_fingerprint.h"

namespace softpatch {

struct CodeChanges {
  // Readable names of functions with slots, in the edited file's order
  // (removed ones in the running file's).
  std::vector<std::string> changed, added, removed;
  // Variables whose initialiser changed: the patch applies, and the
  // program keeps the value the variable has.
  std::vector<std::string> kept_values;
  // Lambdas whose closures made before the patch keep running the old body
  // (no slot of their own, or not the same one), each with why.
  std::vector<std::string> old_closures;
  // Members of classes local to a function (kLocalClassMember) whose code
  // changed: objects made before the patch keep running the old one.
  std::vector<std::string> old_objects;
  // Why the edit cannot go live, when it cannot: a piece that is not
  // patched live changed or went, e.g. "constructor Request::Request(int)
  // changed: constructors are not patched live yet: restart needed".
  std::optional<std::string> refusal;

  // Whether nothing of the code that runs changed (a comment, whitespace).
  bool none() const {
    return changed.empty() && added.empty() && removed.empty() && kept_values.empty() && !refusal;
  }
};

// Compares the code that runs with the edited file's, both as the rewriter
// fingerprinted them.
CodeChanges compare(const std::vector<CodeFingerprint>& running,
                    const std::vector<CodeFingerprint>& edited);

// "2 changed (Store::get, make_key), 1 added (key_prefix)": functions by
// name without their parameters unless two share a name; at most five
// named per list. "no function changed" when only values were kept.
std::string describe(const CodeChanges& changes);

// One line per variable whose running value is kept, e.g. "the running value
// of limit is kept (its initialiser changed; restart to start from the new one)".
std::vector<std::string> kept_value_notes(const CodeChanges& changes);

// One line per lambda of CodeChanges::old_closures, e.g. "closures of
// run()::<lambda at line 12> made before the patch run its old body (a
// generic lambda has no slot of its own)", and per member of
// CodeChanges::old_objects.
std::vector<std::string> old_closure_notes(const CodeChanges& changes);

}  // namespace softpatch

#endif  // SOFTPATCH_CHANGES_CODE_CHANGES_H
