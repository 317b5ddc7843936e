// The header the dev-loop test edits to force a restart.
#pragma once
#include <string>

std::string greet(const std::string& who);
