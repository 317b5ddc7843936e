#!/usr/bin/env bash
# Writes a sample C++ project of N files into DIR, for build-time and
# edit-to-live benchmarks:  bench/generate_sample.sh DIR N [shared|distinct]
# "distinct" gives every file an include of its own first, so that no two
# files share a preamble (the worst case for softpatch's preamble cache).
set -euo pipefail
dir=$1 files=$2 preambles=${3:-shared}

# A sample file: the headers a typical service includes, a class with
# out-of-line members, free functions, some templates used.
generate_file() {
  local i=$1
  if [ "$preambles" = distinct ]; then
    echo "#include \"file$i.h\""
    echo "inline int file${i}_id() { return $i; }" >"$dir/file$i.h"
  fi
  cat <<CPP
#include <algorithm>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace sample$i {
class Store {
 public:
  void put(const std::string& key, int value);
  int get(const std::string& key) const;
  std::vector<std::string> keys() const;
  std::string describe() const;
 private:
  std::map<std::string, int> values_;
  std::unordered_map<std::string, std::vector<int>> history_;
};
void Store::put(const std::string& key, int value) { values_[key] = value; history_[key].push_back(value); }
int Store::get(const std::string& key) const { auto it = values_.find(key); return it == values_.end() ? 0 : it->second; }
std::vector<std::string> Store::keys() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : values_) out.push_back(k);
  std::sort(out.begin(), out.end());
  return out;
}
std::string Store::describe() const {
  std::ostringstream s;
  for (const auto& k : keys()) s << k << "=" << get(k) << ";";
  return s.str();
}
CPP
  for f in $(seq 1 30); do
    cat <<CPP
int compute_$f(const std::vector<int>& v, std::function<int(int)> g) {
  int total = 0;
  for (int x : v) total += g(x) * $f;
  return total + static_cast<int>(std::count_if(v.begin(), v.end(), [](int x) { return x % $f == 0; }));
}
std::string label_$f(int n) { return std::to_string(n) + "-$f"; }
CPP
  done
  echo "}  // namespace sample$i"
}

mkdir -p "$dir"
for i in $(seq 1 "$files"); do generate_file "$i" >"$dir/file$i.cpp"; done
