// The live patch's program for jsoncpp: writes a small document at start and
// once per line read. tests/projects/check.sh edits valueToString(bool) in
// src/lib_json/json_writer.cpp while it runs.
#include <iostream>
#include <string>

#include "json/json.h"

static void answer() {
  Json::Value document;
  document["count"] = 3;
  document["ok"] = true;
  Json::StreamWriterBuilder writer;
  writer["indentation"] = "";
  std::cout << Json::writeString(writer, document) << std::endl;
}

int main() {
  answer();
  for (std::string line; std::getline(std::cin, line);) answer();
}
