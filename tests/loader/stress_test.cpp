// Stress: eight threads call patched functions, checking every result,
// while 1,000 patches are applied and rolled back; at least 10^7 calls.
// Built and run in the main, TSan and ASan+UBSan builds; prints its figures.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "softpatch/loader.h"
#include "target.h"

extern "C" int softpatch_test_program_marker;
int softpatch_test_program_marker = 0;  // found by the test patches in this program

namespace {

constexpr int kThreads = 8;
constexpr long kMinCalls = 10'000'000;
constexpr int kCycles = 1000;  // patches applied, and as many rollbacks

std::string patch(const char* name) {
  return std::string(SOFTPATCH_PATCH_DIR) + "/lib" + name + ".so";
}

// One call of each function; false if any result belongs to no version.
bool calls_answer_right(unsigned seed) {
  int a = answer();
  int x = static_cast<int>(seed % 1000);
  int hidden = call_hidden(x);
  int sum = add(x, 7);
  return (a >= 41 && a <= 43) && (hidden == x || hidden == 100 * x) && sum == x + 7;
}

// The callers and the loader pace each other: before each patch or rollback
// the callers get a budget of calls and use half of it; the switch then
// happens while they use the rest. So the calls spread over every version
// and race every switch, and a slow (sanitized) loader is not starved.
TEST(Stress, CallsStayRightWhilePatchesComeAndGo) {
  constexpr long kCallsPerStep = 2 * kMinCalls / (2 * kCycles);
  std::atomic<bool> stop{false};
  std::atomic<long> calls{0}, wrong{0}, budget{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < kThreads; ++t)
    callers.emplace_back([&, t] {
      unsigned seed = static_cast<unsigned>(t) * 7919u;
      long bad = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        if (calls.load(std::memory_order_relaxed) >= budget.load(std::memory_order_relaxed)) {
          std::this_thread::sleep_for(std::chrono::microseconds(50));
          continue;
        }
        for (int i = 0; i < 64; ++i, ++seed) bad += !calls_answer_right(seed);
        calls.fetch_add(3 * 64, std::memory_order_relaxed);
      }
      wrong.fetch_add(bad);
    });

  const std::string first = patch("patch_answer"), second = patch("patch_stress");
  std::string failure;
  auto step = [&](const std::function<softpatch::Result<softpatch::PatchInfo>()>& change,
                  const char* what) {
    budget += kCallsPerStep;
    while (calls.load() < budget.load() - kCallsPerStep / 2)
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    softpatch::Result<softpatch::PatchInfo> result = change();
    if (!result && failure.empty()) failure = std::string(what) + ": " + result.error();
  };
  int cycles = 0;
  // Two patches stacked, then both rolled back: two cycles each time.
  for (; cycles < kCycles && failure.empty(); cycles += 2) {
    step([&] { return softpatch::load_patch(first); }, "load");
    step([&] { return softpatch::load_patch(second); }, "load");
    step([] { return softpatch::rollback(); }, "rollback");
    step([] { return softpatch::rollback(); }, "rollback");
  }
  long during_cycles = calls.load();
  budget = kMinCalls * 4;
  while (calls.load() < kMinCalls) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  stop = true;
  for (std::thread& t : callers) t.join();

  std::printf(
      "stress: %d threads, %ld calls (%ld during the cycles), %d patch/rollback cycles, wrong "
      "results: %ld\n",
      kThreads, calls.load(), during_cycles, cycles, wrong.load());
  ASSERT_EQ(failure, "");
  EXPECT_EQ(cycles, kCycles);
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GE(calls.load(), kMinCalls);
  EXPECT_EQ(answer(), 41);
}

}  // namespace
