// The dev loop's watcher on a large tree, and the time from a save to the
// start of the action it causes:
//   build/bench/watcher [FILES]      (default 100000, in a temporary tree)
// Prints the start-up time (directories watched, files found), the memory
// it takes, the time until every file's content is recorded (in the
// background), and the median and worst save-to-action time over 20 saves
// (inotify, the 75 ms debounce, the content check). Goals (issue 4): start-up
// under 1 s and 50 MiB for 100,000 files; save to action under 100 ms.
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "softpatch/devloop/debouncer.h"
#include "softpatch/devloop/file_watcher.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using softpatch::driver::Debouncer;
using softpatch::driver::FileWatcher;

namespace {

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

long resident_kib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return 0;
}

// 100 files of a few hundred bytes per directory, ten directories per parent.
void generate(const fs::path& root, int files) {
  for (int i = 0; i < files; ++i) {
    int dir = i / 100;
    fs::path path = root / ("d" + std::to_string(dir / 10)) / ("e" + std::to_string(dir % 10));
    if (i % 100 == 0) fs::create_directories(path);
    std::ofstream(path / ("file" + std::to_string(i) + ".cpp"))
        << "// file " << i << "\nint function" << i << "(int x) { return x + " << i << "; }\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  int files = argc > 1 ? std::atoi(argv[1]) : 100000;
  char pattern[] = "/tmp/softpatch-watch-bench-XXXXXX";
  fs::path root = mkdtemp(pattern);
  generate(root, files);

  long before = resident_kib();
  auto started = Clock::now();
  FileWatcher::Options options;
  options.roots = {root.string()};
  options.on_warning = [](const std::string& text) { std::printf("warning: %s\n", text.c_str()); };
  FileWatcher watcher(options);
  double startup = since(started);
  long memory = resident_kib() - before;
  std::printf("start-up: %.3f s for %zu files in %zu directories (%zu polled), %.1f MiB\n", startup,
              watcher.files(), watcher.watched_directories(), watcher.polled_directories(),
              memory / 1024.0);

  // Saves, one at a time: time until the change is ready to act on.
  std::vector<double> latencies;
  for (int i = 0; i < 20; ++i) {
    fs::path file = root / "d3" / "e4" / ("file" + std::to_string(3400 + i) + ".cpp");
    Debouncer debouncer;
    auto saved = Clock::now();
    std::ofstream(file) << "// saved " << i << "\n";
    std::vector<std::string> batch;
    while (batch.empty()) {
      pollfd fd{watcher.fd(), POLLIN, 0};
      int timeout = debouncer.empty()
                        ? 1000
                        : static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                               debouncer.due() - Clock::now())
                                               .count()) +
                              1;
      poll(&fd, 1, std::max(timeout, 0));
      debouncer.add(watcher.take_candidates(), Clock::now());
      batch = watcher.changed(debouncer.take(Clock::now()));
    }
    latencies.push_back(since(saved) * 1000);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::sort(latencies.begin(), latencies.end());
  std::printf("save to action: median %.1f ms, worst %.1f ms (of which 75 ms is the debounce)\n",
              latencies[latencies.size() / 2], latencies.back());
  fs::remove_all(root);
}
