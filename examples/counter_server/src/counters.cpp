// GET /count/<key>: counts the visits of each key.
#include <httplib.h>

#include "handlers.h"
#include "state.h"

static std::string describe(const std::string& key, long count) {
  return key + ": " + std::to_string(count) + "\n";
}

static void count(const httplib::Request& request, httplib::Response& response) {
  std::string key = request.matches[1];
  long value;
  {
    std::lock_guard<std::mutex> lock(state().counters.mutex);
    value = ++state().counters.values[key];
  }
  log_request("count " + key);
  response.set_content(describe(key, value), "text/plain");
}

void add_counter_routes(httplib::Server& server) { server.Get(R"(/count/(\w+))", count); }
