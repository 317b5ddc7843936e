// Gathers changed files into one batch: due `quiet` after the last change,
// and at most `longest` after the first, so that a burst (a `git checkout`
// of 500 files, an editor's save dance) gives one action.
#ifndef SOFTPATCH_DEVLOOP_DEBOUNCER_H
#define SOFTPATCH_DEVLOOP_DEBOUNCER_H

#include <chrono>
#include <set>
#include <string>
#include <vector>

namespace softpatch::driver {

class Debouncer {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Debouncer(std::chrono::milliseconds quiet = std::chrono::milliseconds(75),
                     std::chrono::milliseconds longest = std::chrono::milliseconds(1000))
      : quiet_(quiet), longest_(longest) {}

  void add(const std::vector<std::string>& files, Clock::time_point now) {
    if (files.empty()) return;
    if (pending_.empty()) first_ = now;
    last_ = now;
    pending_.insert(files.begin(), files.end());
  }

  bool empty() const { return pending_.empty(); }

  // When the batch is due; only meaningful when not empty().
  Clock::time_point due() const { return std::min(last_ + quiet_, first_ + longest_); }

  // The batch, if it is due at `now`; empty otherwise.
  std::vector<std::string> take(Clock::time_point now) {
    if (pending_.empty() || now < due()) return {};
    std::vector<std::string> out(pending_.begin(), pending_.end());
    pending_.clear();
    return out;
  }

 private:
  std::chrono::milliseconds quiet_, longest_;
  std::set<std::string> pending_;
  Clock::time_point first_, last_;
};

}  // namespace softpatch::driver

#endif  // SOFTPATCH_DEVLOOP_DEBOUNCER_H
