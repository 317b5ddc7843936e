// POST /login?user=<name> gives a session id; GET /whoami?session=<id>.
#include <httplib.h>

#include "handlers.h"
#include "state.h"

static void login(const httplib::Request& request, httplib::Response& response) {
  std::string user = request.get_param_value("user");
  std::string id;
  {
    std::lock_guard<std::mutex> lock(state().sessions.mutex);
    id = "s" + std::to_string(state().sessions.next_id++);
    state().sessions.users[id] = user;
  }
  log_request("login " + user);
  response.set_content(id + "\n", "text/plain");
}

static void whoami(const httplib::Request& request, httplib::Response& response) {
  std::lock_guard<std::mutex> lock(state().sessions.mutex);
  auto found = state().sessions.users.find(request.get_param_value("session"));
  if (found == state().sessions.users.end()) {
    response.status = 401;
    response.set_content("not logged in\n", "text/plain");
    return;
  }
  response.set_content(found->second + "\n", "text/plain");
}

void add_session_routes(httplib::Server& server) {
  server.Post("/login", login);
  server.Get("/whoami", whoami);
}
