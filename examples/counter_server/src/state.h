// Everything the server keeps in memory, and would lose in a restart.
#pragma once

#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <thread>

// Per-key counters.
struct Counters {
  std::mutex mutex;
  std::map<std::string, long> values;
};

// Logged-in users by session id.
struct Sessions {
  std::mutex mutex;
  std::map<std::string, std::string> users;
  long next_id = 1;
};

// A cache of computed values, with its hit statistics.
struct Cache {
  std::mutex mutex;
  std::map<std::string, std::string> values;
  long hits = 0, misses = 0;
};

// A value a background thread updates ten times a second.
class Ticker {
 public:
  Ticker();
  ~Ticker();  // stops and joins the thread
  long ticks() const { return ticks_; }

 private:
  std::atomic<long> ticks_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

struct ServerState {
  Counters counters;
  Sessions sessions;
  Cache cache;
  Ticker ticker;
  std::FILE* log = nullptr;  // every request, one line each
  long started_at = 0;       // seconds since the epoch
};

ServerState& state();
void log_request(const std::string& line);
