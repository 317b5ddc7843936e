#include "state.h"

#include <chrono>
#include <ctime>

Ticker::Ticker()
    : thread_([this] {
        while (!stop_) {
          ++ticks_;
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
      }) {}

Ticker::~Ticker() {
  stop_ = true;
  thread_.join();
}

ServerState& state() {
  static ServerState the_state;
  return the_state;
}

void log_request(const std::string& line) {
  if (!state().log) return;
  std::fprintf(state().log, "%ld %s\n", static_cast<long>(std::time(nullptr)), line.c_str());
  std::fflush(state().log);
}
