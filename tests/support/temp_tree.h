// A directory of files for one test, removed with everything in it when the
// test ends.
//
//   TempTree tree("headers");
//   tree.write("include/store.h", "#pragma once\n...");
//   std::string file = tree.path("t.cpp");
#ifndef SOFTPATCH_TESTS_TEMP_TREE_H
#define SOFTPATCH_TESTS_TEMP_TREE_H

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

class TempTree {
 public:
  // Made under /tmp, named softpatch-<purpose>-XXXXXX.
  explicit TempTree(const std::string& purpose) {
    std::string pattern = "/tmp/softpatch-" + purpose + "-XXXXXX";
    root_ = mkdtemp(pattern.data());
  }
  ~TempTree() { std::filesystem::remove_all(root_); }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;

  const std::filesystem::path& root() const { return root_; }
  std::string path(const std::string& relative) const { return (root_ / relative).string(); }

  // Writes `text` to `relative`, making its directories.
  void write(const std::string& relative, const std::string& text) const {
    std::filesystem::path file = root_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file) << text;
  }

 private:
  std::filesystem::path root_;
};

#endif  // SOFTPATCH_TESTS_TEMP_TREE_H
