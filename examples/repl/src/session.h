// One REPL session: the commands, and the working copies of the files whose
// functions it redefines.
#pragma once

#include <map>
#include <string>
#include <vector>

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

 private:
  void call(const std::vector<std::string>& words);
  void define(const std::string& definition);
  void edit(const std::string& name);
  void reload(const std::string& file);
  void undo();
  void list() const;
  void help() const;

  // Builds `text` as the new version of `file` and applies it; `typed`
  // gives the first and last line of what was typed in the working copy,
  // for error positions. Returns the patch number, or 0.
  int apply(const std::string& file, const std::string& text, int typed_first, int typed_last,
            const std::string& what);
  std::string working_copy(const std::string& file);

  Setup setup_;
  std::string executable_;
  std::string pending_;                        // an unfinished `def`
  std::map<std::string, std::string> copies_;  // file -> its text as last applied
  struct Applied {
    int number;
    std::string file;
    std::string previous_text;  // of the working copy
    std::vector<std::string> functions;
  };
  std::vector<Applied> history_;
  std::map<std::string, int> versions_;  // function name -> times redefined
  int serial_ = 0;
};

}  // namespace repl
