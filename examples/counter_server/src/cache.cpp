// GET /square/<n>: a "costly" computation, cached, with hit statistics.
#include <httplib.h>

#include "handlers.h"
#include "state.h"

static std::string compute(long n) { return std::to_string(n * n); }

static void square(const httplib::Request& request, httplib::Response& response) {
  std::string key = request.matches[1];
  Cache& cache = state().cache;
  std::lock_guard<std::mutex> lock(cache.mutex);
  auto found = cache.values.find(key);
  if (found != cache.values.end()) {
    ++cache.hits;
  } else {
    ++cache.misses;
    found = cache.values.emplace(key, compute(std::stol(key))).first;
  }
  response.set_content(found->second + " (cache: " + std::to_string(cache.hits) + " hits, " +
                           std::to_string(cache.misses) + " misses)\n",
                       "text/plain");
}

void add_cache_routes(httplib::Server& server) { server.Get(R"(/square/(\d+))", square); }
