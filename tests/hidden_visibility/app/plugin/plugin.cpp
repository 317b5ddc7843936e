// A shared library built with -fvisibility=hidden: only plugin_line() is
// exported, and its copies of ticket.h's functions are its own.
#include <string>

#include "ticket.h"

static std::string word() { return tickets::side() + std::to_string(tickets::scaled(1)); }

__attribute__((visibility("default"))) std::string plugin_line() {
  return word() + " " + std::to_string(tickets::scaled(tickets::next()));
}
