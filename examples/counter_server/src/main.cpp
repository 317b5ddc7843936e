// counter_server [--port N] [--log FILE]: serves on 127.0.0.1 (port 0: any
// free one); prints "listening on http://127.0.0.1:PORT" once it does.
// Stops cleanly on SIGTERM or SIGINT.
#include <httplib.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include "handlers.h"
#include "state.h"

static httplib::Server* running = nullptr;

static void stop(int) {
  if (running) running->stop();
}

int main(int argc, char** argv) {
  int port = 8080;
  std::string log = "counter_server.log";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--port") == 0) port = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--log") == 0) log = argv[i + 1];
  }
  state().started_at = std::time(nullptr);
  state().log = std::fopen(log.c_str(), "a");

  httplib::Server server;
  add_counter_routes(server);
  add_session_routes(server);
  add_cache_routes(server);
  add_status_routes(server);
  running = &server;
  std::signal(SIGTERM, stop);
  std::signal(SIGINT, stop);

  if (port == 0)
    port = server.bind_to_any_port("127.0.0.1");
  else if (!server.bind_to_port("127.0.0.1", port))
    port = -1;
  if (port < 0) {
    std::fprintf(stderr, "counter_server: cannot listen on 127.0.0.1:%s\n", argv[2]);
    return 1;
  }
  std::printf("listening on http://127.0.0.1:%d\n", port);
  std::fflush(stdout);
  server.listen_after_bind();
  if (state().log) std::fclose(state().log);
  return 0;
}
