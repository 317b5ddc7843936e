// Which files under the watched roots count: include and ignore globs, the
// project's .gitignore files and the default ignores (.git/, build
// directories, node_modules/, editor temp files). Ignore wins.
//
// Globs: `*` and `?` within a path segment, `**` across segments, `[abc]`,
// `{a,b}`. A glob with no `/` in it matches a file or directory name at any
// depth ("*.cpp", "node_modules"); one with a `/` matches the path from the
// root ("src/**/*.cpp").
#ifndef SOFTPATCH_DEVLOOP_PATH_FILTER_H
#define SOFTPATCH_DEVLOOP_PATH_FILTER_H

#include <string>
#include <vector>

namespace softpatch::driver {

// Whether `path` (segments separated by '/') matches `glob` as a whole.
bool glob_match(const std::string& glob, const std::string& path);

class PathFilter {
 public:
  // `includes` empty means every file; directories are never excluded by
  // includes, only by ignores.
  PathFilter(std::vector<std::string> includes, std::vector<std::string> ignores);

  // Also ignores this directory (relative to the root), e.g. the build directory.
  void ignore_directory(const std::string& relative);

  // Reads `<root>/<relative_dir>/.gitignore`, if there is one; its rules
  // apply below that directory.
  void load_gitignore(const std::string& root, const std::string& relative_dir);

  // For a path relative to the root.
  bool ignored(const std::string& relative, bool is_directory) const;
  // The same, for an entry of a directory already known not to be ignored
  // (a directory walk): only its own name and path are looked at.
  bool ignored_entry(const std::string& relative, bool is_directory) const;
  bool wanted_entry(const std::string& relative) const {
    return !ignored_entry(relative, false) && included(relative);
  }
  bool wanted_file(const std::string& relative) const {
    return !ignored(relative, false) && included(relative);
  }

 private:
  struct GitRule {
    std::string base;  // directory of the .gitignore, relative ("" for the root)
    std::string glob;
    bool negated = false;
    bool directory_only = false;
    bool anchored = false;
  };
  bool included(const std::string& relative) const;
  static bool matches(const std::string& glob, const std::string& relative);

  std::vector<std::string> includes_;
  std::vector<std::string> ignores_;
  std::vector<std::string> ignored_directories_;
  std::vector<GitRule> git_rules_;
};

}  // namespace softpatch::driver

#endif  // SOFTPATCH_DEVLOOP_PATH_FILTER_H
