// One REPL session: the commands, and the working copies of the files whose
// functions it redefines.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "crash_guard.h"

namespace repl {

class Session {
 public:
  // Where the REPL's sources, build and the softpatch tool are.
  struct Setup {
    std::string softpatch;  // the `softpatch` command
    std::string build_dir;  // holding compile_commands.json
    std::string root;       // the project root softpatch_instrument used
    std::string work_dir;   // for working copies and patches
  };
  explicit Session(Setup setup);

  // Runs one command (`def` may span lines: see needs_more()). Results go
  // to stdout alone on their line, messages and errors to stderr. False
  // after `quit`.
  bool run(const std::string& line);

  // True while a `def` block still has unbalanced braces: feed more lines.
  bool needs_more() const { return !pending_.empty(); }

  // A Ctrl-C while a line was read: an unfinished `def` is dropped.
  void interrupt();
  // The end of the input: an unfinished `def` is an error.
  void end_of_input();

  // Whether a command failed (an unknown command, a call error or crash, a
  // definition that did not build or load, ...): a piped session says so in
  // its exit status.
  bool failed() const { return failures_ > 0; }

 private:
  void dispatch(const std::vector<std::string>& words, const std::string& line);
  void call(const std::vector<std::string>& words);
  void stopped_call(const std::string& name, const Stop& stop);
  void define(const std::string& definition);
  void edit(const std::string& name);
  void reload(const std::string& file);
  void undo();
  void undo_last();
  void list() const;
  void help() const;
  void fail(const std::string& text);

  // Builds `text` as the new version of `file` and applies it; `typed`
  // gives the first and last line of what was typed in the working copy,
  // for error positions; `function` is the one a `def` redefined ("" for a
  // whole file). Returns the patch number, or 0.
  int apply(const std::string& file, const std::string& text, int typed_first, int typed_last,
            const std::string& function);
  std::string working_copy(const std::string& file);
  int times_redefined(const std::string& function) const;
  // " in the code of patch 3" (and *patch = 3), " in libc.so.6", ...:
  // where `pc` is; "" when unknown.
  std::string place_of(const void* pc, int* patch) const;

  Setup setup_;
  std::string executable_;
  std::string pending_;                        // an unfinished `def`
  std::map<std::string, std::string> copies_;  // file -> its text as last applied
  struct Applied {
    int number;
    std::string file;
    std::string previous_text;  // of the working copy
    // What the loader found the patch changed, compared with the code that
    // ran before it: a function's version is 1 + the patches here that
    // changed it.
    std::vector<std::string> changed;
  };
  std::vector<Applied> history_;
  std::map<const void*, int> patch_modules_;  // the module a patch was loaded as -> its number
  int serial_ = 0;
  int failures_ = 0;
};

}  // namespace repl
