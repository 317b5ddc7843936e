// The HTTP handlers, one file each: the files to edit while it runs.
#pragma once

#include <string>

namespace httplib {
class Server;
}

void add_counter_routes(httplib::Server& server);  // /count/<key>
void add_session_routes(httplib::Server& server);  // /login?user=, /whoami?session=
void add_cache_routes(httplib::Server& server);    // /square/<n>, cached
void add_status_routes(httplib::Server& server);   // /status
