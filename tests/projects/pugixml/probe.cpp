// The live patch's program for pugixml: parses a small document at start and
// once per line read, and prints what it found. tests/projects/check.sh edits
// xml_parse_result::description() in src/pugixml.cpp while it runs.
#include <iostream>
#include <string>

#include "pugixml.hpp"

static void answer() {
  pugi::xml_document document;
  pugi::xml_parse_result result = document.load_string("<greeting who='world'>hello</greeting>");
  pugi::xml_node greeting = document.child("greeting");
  std::cout << result.description() << ": " << greeting.text().get() << ", "
            << greeting.attribute("who").value() << std::endl;
}

int main() {
  answer();
  for (std::string line; std::getline(std::cin, line);) answer();
}
