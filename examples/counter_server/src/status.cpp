// GET /status: the process and its state at a glance.
#include <httplib.h>
#include <unistd.h>

#include <ctime>

#include "handlers.h"
#include "state.h"

static void status(const httplib::Request&, httplib::Response& response) {
  long counted = 0, sessions;
  {
    std::lock_guard<std::mutex> lock(state().counters.mutex);
    for (const auto& [key, value] : state().counters.values) counted += value;
  }
  {
    std::lock_guard<std::mutex> lock(state().sessions.mutex);
    sessions = static_cast<long>(state().sessions.users.size());
  }
  response.set_content("pid " + std::to_string(getpid()) + "\nup " +
                           std::to_string(std::time(nullptr) - state().started_at) + " s\n" +
                           "ticks " + std::to_string(state().ticker.ticks()) + "\ncounted " +
                           std::to_string(counted) + "\nsessions " + std::to_string(sessions) +
                           "\n",
                       "text/plain");
}

void add_status_routes(httplib::Server& server) { server.Get("/status", status); }
