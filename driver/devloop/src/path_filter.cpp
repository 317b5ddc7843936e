#include "softpatch/devloop/path_filter.h"

#include <fstream>

namespace softpatch::driver {
namespace {

// Editors' temporary and backup files, and directories nobody edits.
const char* const kDefaultIgnores[] = {
    ".git",          "node_modules",  "*~",     ".*.sw?",     "*.swp", "*.swx",
    "4913",          ".#*",           "#*#",    "*.kate-swp", "*.tmp", ".goutputstream-*",
    "*___jb_tmp___", "*___jb_old___", ".cache",
};

// `[...]` at p (just past '['): whether c is in it; p moves past ']'.
bool in_class(const char*& p, char c) {
  bool negated = *p == '!' || *p == '^';
  if (negated) ++p;
  bool found = false;
  for (bool first = true; *p && (first || *p != ']'); first = false) {
    char low = *p++;
    char high = low;
    if (*p == '-' && p[1] && p[1] != ']') {
      high = p[1];
      p += 2;
    }
    if (c >= low && c <= high) found = true;
  }
  if (*p == ']') ++p;
  return found != negated;
}

bool match_here(const char* p, const char* s) {
  for (;;) {
    if (!*p) return !*s;
    if (p[0] == '*' && p[1] == '*') {
      const char* rest = p + 2;
      if (*rest == '/') {  // "**/": zero or more whole segments
        ++rest;
        if (match_here(rest, s)) return true;
        for (const char* t = s; *t; ++t)
          if (*t == '/' && match_here(rest, t + 1)) return true;
        return false;
      }
      for (const char* t = s;; ++t) {  // anything, '/' included
        if (match_here(rest, t)) return true;
        if (!*t) return false;
      }
    }
    if (*p == '*') {
      for (const char* t = s;; ++t) {
        if (match_here(p + 1, t)) return true;
        if (!*t || *t == '/') return false;
      }
    }
    if (!*s) return false;
    if (*p == '?') {
      if (*s == '/') return false;
    } else if (*p == '[') {
      ++p;
      if (*s == '/' || !in_class(p, *s)) return false;
      ++s;
      continue;
    } else {
      if (*p == '\\' && p[1]) ++p;
      if (*p != *s) return false;
    }
    ++p;
    ++s;
  }
}

// "a{b,c}d" -> "abd", "acd" (nested braces too).
std::vector<std::string> expand_braces(const std::string& glob) {
  std::size_t open = glob.find('{');
  if (open == std::string::npos) return {glob};
  int depth = 0;
  std::vector<std::size_t> commas;
  std::size_t close = std::string::npos;
  for (std::size_t i = open; i < glob.size() && close == std::string::npos; ++i) {
    if (glob[i] == '{') ++depth;
    if (glob[i] == '}' && --depth == 0) close = i;
    if (glob[i] == ',' && depth == 1) commas.push_back(i);
  }
  if (close == std::string::npos) return {glob};
  std::vector<std::string> out;
  std::size_t from = open + 1;
  commas.push_back(close);
  for (std::size_t comma : commas) {
    std::string one =
        glob.substr(0, open) + glob.substr(from, comma - from) + glob.substr(close + 1);
    for (std::string& expanded : expand_braces(one)) out.push_back(std::move(expanded));
    from = comma + 1;
  }
  return out;
}

std::string basename_of(const std::string& path) {
  std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Calls `visit(prefix, is_directory)` for each leading part of `relative`
// ("a", "a/b", "a/b/c"); stops when it returns true.
template <class Visit>
bool any_prefix(const std::string& relative, bool is_directory, Visit visit) {
  for (std::size_t at = relative.find('/'); at != std::string::npos;
       at = relative.find('/', at + 1))
    if (visit(relative.substr(0, at), true)) return true;
  return visit(relative, is_directory);
}

}  // namespace

bool glob_match(const std::string& glob, const std::string& path) {
  for (const std::string& one : expand_braces(glob))
    if (match_here(one.c_str(), path.c_str())) return true;
  return false;
}

PathFilter::PathFilter(std::vector<std::string> includes, std::vector<std::string> ignores)
    : includes_(std::move(includes)), ignores_(std::move(ignores)) {
  for (const char* glob : kDefaultIgnores) ignores_.push_back(glob);
}

void PathFilter::ignore_directory(const std::string& relative) {
  ignored_directories_.push_back(relative);
}

bool PathFilter::matches(const std::string& glob, const std::string& relative) {
  std::string trimmed = glob;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  if (trimmed.find('/') == std::string::npos) return glob_match(trimmed, basename_of(relative));
  if (trimmed.front() == '/') trimmed.erase(0, 1);
  return glob_match(trimmed, relative);
}

void PathFilter::load_gitignore(const std::string& root, const std::string& relative_dir) {
  std::ifstream in(root + (relative_dir.empty() ? "" : "/" + relative_dir) + "/.gitignore");
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    GitRule rule;
    rule.base = relative_dir;
    if (line[0] == '!') {
      rule.negated = true;
      line.erase(0, 1);
    }
    if (line.size() > 1 && line.back() == '/') {
      rule.directory_only = true;
      line.pop_back();
    }
    if (line.rfind("\\", 0) == 0) line.erase(0, 1);  // "\#file", "\!file"
    rule.anchored = line.find('/') != std::string::npos;
    if (line.front() == '/') line.erase(0, 1);
    rule.glob = line;
    git_rules_.push_back(rule);
  }
}

bool PathFilter::ignored_entry(const std::string& path, bool directory) const {
  for (const std::string& dir : ignored_directories_)
    if (path == dir) return true;
  for (const std::string& glob : ignores_)
    if (matches(glob, path)) return true;
  bool git_ignored = false;  // the last matching rule decides
  for (const GitRule& rule : git_rules_) {
    if (rule.directory_only && !directory) continue;
    std::string below = path;
    if (!rule.base.empty()) {
      if (path.rfind(rule.base + "/", 0) != 0) continue;
      below = path.substr(rule.base.size() + 1);
    }
    bool hit =
        rule.anchored ? glob_match(rule.glob, below) : glob_match(rule.glob, basename_of(below));
    if (hit) git_ignored = !rule.negated;
  }
  return git_ignored;
}

bool PathFilter::ignored(const std::string& relative, bool is_directory) const {
  return any_prefix(relative, is_directory, [&](const std::string& path, bool directory) {
    return ignored_entry(path, directory);
  });
}

bool PathFilter::included(const std::string& relative) const {
  if (includes_.empty()) return true;
  for (const std::string& glob : includes_)
    if (matches(glob, relative)) return true;
  return false;
}

}  // namespace softpatch::driver
