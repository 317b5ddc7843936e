#include "session.h"

#include <dlfcn.h>
#include <link.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "ffi_call.h"
#include "softpatch/loader.h"
#include "softpatch/registry.h"

namespace repl {
namespace {

namespace fs = std::filesystem;

void message(const std::string& text) { std::fprintf(stderr, "%s\n", text.c_str()); }

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Words, with "quoted strings" kept whole (quotes included).
std::vector<std::string> words_of(const std::string& line) {
  std::vector<std::string> out;
  std::string word;
  char quote = 0;
  bool in_word = false;
  for (char c : line) {
    if (quote) {
      word += c;
      if (c == quote) quote = 0;
    } else if (c == ' ' || c == '\t') {
      if (in_word) out.push_back(word);
      word.clear();
      in_word = false;
    } else {
      if (c == '"' || c == '\'') quote = c;
      word += c;
      in_word = true;
    }
  }
  if (in_word) out.push_back(word);
  return out;
}

// Brace depth of `text`, strings, characters and comments skipped.
int brace_balance(const std::string& text) {
  int depth = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      i = text.find('\n', i);
      if (i == std::string::npos) break;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      i = text.find("*/", i + 2);
      if (i == std::string::npos) break;
      ++i;
    } else if (c == '"' || c == '\'') {
      for (++i; i < text.size() && text[i] != c; ++i)
        if (text[i] == '\\') ++i;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}') {
      --depth;
    }
  }
  return depth;
}

// The name a definition defines: the identifier (maybe qualified) before
// its first '('.
std::string defined_name(const std::string& definition) {
  std::size_t paren = definition.find('(');
  if (paren == std::string::npos) return "";
  std::size_t end = paren;
  while (end > 0 && definition[end - 1] == ' ') --end;
  std::size_t start = end;
  while (start > 0 && (std::isalnum(static_cast<unsigned char>(definition[start - 1])) ||
                       definition[start - 1] == '_' || definition[start - 1] == ':'))
    --start;
  return definition.substr(start, end - start);
}

// [begin, end) of the definition of `name` (unqualified) at namespace scope
// in `text`: from the start of its line to its closing brace.
bool find_definition(const std::string& text, const std::string& name, std::size_t* begin,
                     std::size_t* end) {
  std::string escaped = std::regex_replace(name, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)");
  std::regex pattern("\\b" + escaped + "\\s*\\(");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), pattern);
       it != std::sregex_iterator(); ++it) {
    std::size_t at = it->position();
    if (brace_balance(text.substr(0, at)) != 0) continue;  // a call inside a body
    std::size_t body = text.find_first_of("{;", at);
    if (body == std::string::npos || text[body] != '{') continue;  // a declaration
    int depth = 0;
    for (std::size_t i = body; i < text.size(); ++i) {
      if (text[i] == '{') ++depth;
      if (text[i] == '}' && --depth == 0) {
        std::size_t line = text.rfind('\n', at);
        *begin = line == std::string::npos ? 0 : line + 1;
        *end = i + 1;
        return true;
      }
    }
  }
  return false;
}

int line_at(const std::string& text, std::size_t offset) {
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + offset, '\n'));
}

// The loaded module (its link_map) that holds `address`; null when none.
const void* module_of(const void* address, Dl_info* info) {
  link_map* module = nullptr;
  if (!dladdr1(address, info, reinterpret_cast<void**>(&module), RTLD_DL_LINKMAP)) return nullptr;
  return module;
}

// The module patch `number` was loaded as: where the slots it switched
// lead. (PatchInfo::path is the file given to the loader, which loads a
// private copy of it under another name.) Null when it switched none.
const void* patch_module(int number) {
  for (const softpatch::Function& f : softpatch::functions()) {
    if (softpatch::patch_running(f) != number) continue;
    Dl_info info = {};
    return module_of(reinterpret_cast<const void*>(f.slot().current()), &info);
  }
  return nullptr;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// "add2(int), scale(double, double) changed; twice(int) added".
std::string what_changed(const softpatch::PatchInfo& patch) {
  if (patch.changed.empty() && patch.added.empty()) return "no function changed";
  std::string out;
  if (!patch.changed.empty()) out = joined(patch.changed) + " changed";
  if (!patch.added.empty()) out += (out.empty() ? "" : "; ") + joined(patch.added) + " added";
  return out;
}

}  // namespace

Session::Session(Setup setup) : setup_(std::move(setup)) {
  char self[4096] = {};
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) executable_.assign(self, n);
  fs::create_directories(setup_.work_dir);
}

bool Session::run(const std::string& line) {
  if (!pending_.empty()) {
    pending_ += "\n" + line;
    if (brace_balance(pending_) > 0) return true;
    std::string definition = pending_;
    pending_.clear();
    define(definition);
    return true;
  }
  std::vector<std::string> words = words_of(line);
  if (words.empty()) return true;
  if (words[0] == "quit" || words[0] == "exit") return false;
  try {
    dispatch(words, line);
  } catch (const std::exception& error) {  // thrown by a called function, say
    fail("error: " + std::string(error.what()));
  } catch (...) {
    fail("error: an exception that is not a std::exception");
  }
  return true;
}

void Session::dispatch(const std::vector<std::string>& words, const std::string& line) {
  const std::string& command = words[0];
  if (command == "call") {
    call(words);
  } else if (command == "def") {
    std::string definition = line.substr(line.find("def") + 3);
    definition.erase(0, definition.find_first_not_of(' '));
    if (brace_balance(definition) > 0 || definition.find('{') == std::string::npos) {
      pending_ = definition;  // more lines to come
      return;
    }
    define(definition);
  } else if (command == "edit" && words.size() == 2) {
    edit(words[1]);
  } else if (command == "reload") {
    reload(words.size() > 1 ? words[1] : "");
  } else if (command == "undo") {
    undo();
  } else if (command == "list") {
    list();
  } else if (command == "help") {
    help();
  } else {
    fail("unknown command '" + command + "' (try help)");
  }
}

void Session::interrupt() {
  if (pending_.empty()) return;
  pending_.clear();
  fail("dropped the unfinished def");
}

void Session::end_of_input() {
  if (pending_.empty()) return;
  pending_.clear();
  fail("def: the input ended before the definition's closing '}'");
}

void Session::fail(const std::string& text) {
  ++failures_;
  message(text);
}

void Session::call(const std::vector<std::string>& words) {
  if (words.size() < 2) return fail("usage: call NAME ARGS...");
  softpatch::Result<softpatch::Function> function = softpatch::find_function(words[1]);
  if (!function) return fail(function.error());
  std::optional<Stop> stopped;
  softpatch::Result<std::string> result =
      repl::call(*function, std::vector<std::string>(words.begin() + 2, words.end()), &stopped);
  if (!result) return fail(result.error());
  if (stopped) return stopped_call(words[1], *stopped);
  if (!result->empty()) std::printf("%s\n", result->c_str());
  std::fflush(stdout);
}

// A call that a crash or a Ctrl-C ended. A crash in the code of the latest
// patch is taken for that definition's fault and undone, so that the next
// call runs what worked before (the definition is still in the line
// history, to fix and retry). A Ctrl-C undoes nothing: a slow call is not
// a wrong one.
void Session::stopped_call(const std::string& name, const Stop& stop) {
  std::fflush(stdout);  // what the call printed before it stopped
  int patch = 0;
  std::string where = place_of(stop.pc, &patch);
  // Struck elsewhere (abort() is the C library's): the code of a patch that
  // called it is at fault.
  for (std::size_t i = 0; !patch && stop.signal != SIGINT && i < stop.callers.size(); ++i) {
    std::string caller = place_of(stop.callers[i], &patch);
    if (patch) where += ", called from " + caller.substr(caller.rfind(" in ", 0) == 0 ? 4 : 0);
  }
  if (stop.signal == SIGINT) {
    // After the "^C" the terminal echoed, on a line of its own.
    std::string after_echo = isatty(STDIN_FILENO) ? "\n" : "";
    return fail(after_echo + "call " + name + ": interrupted" + where);
  }
  fail("call " + name + ": crashed (" + signal_name(stop.signal) + ")" + where);
  if (patch && !history_.empty() && history_.back().number == patch) undo_last();
}

std::string Session::place_of(const void* pc, int* patch) const {
  if (!pc) return "";
  Dl_info info = {};
  const void* module = module_of(pc, &info);
  if (!module) {
    char address[32];
    std::snprintf(address, sizeof address, " at %p", pc);
    return address;
  }
  auto known = patch_modules_.find(module);
  if (known != patch_modules_.end()) {
    *patch = known->second;
    return " in the code of patch " + std::to_string(known->second);
  }
  std::string file = info.dli_fname && *info.dli_fname ? info.dli_fname : executable_;
  return " in " + fs::path(file).filename().string();
}

std::string Session::working_copy(const std::string& file) {
  auto found = copies_.find(file);
  return found != copies_.end() ? found->second : read_file(file);
}

void Session::define(const std::string& definition) {
  std::string name = defined_name(definition);
  if (name.empty()) return fail("def: no function name before '(' in what was typed");
  softpatch::Result<softpatch::Function> function = softpatch::find_function(name);
  if (!function)
    return fail("def: " + function.error() + " (def replaces a function the program has)");
  std::string file = function->file();
  std::string text = working_copy(file);
  std::string bare = name.substr(name.rfind(':') == std::string::npos ? 0 : name.rfind(':') + 1);
  std::size_t begin = 0, end = 0;
  if (!find_definition(text, bare, &begin, &end))
    return fail("def: cannot find the definition of " + name + " in " + file);
  std::string edited = text.substr(0, begin) + definition + text.substr(end);
  int first = line_at(edited, begin);
  int last = first + static_cast<int>(std::count(definition.begin(), definition.end(), '\n'));
  apply(file, edited, first, last, function->name());
}

int Session::apply(const std::string& file, const std::string& text, int typed_first,
                   int typed_last, const std::string& function) {
  auto started = std::chrono::steady_clock::now();
  std::string dir = setup_.work_dir + "/" + std::to_string(++serial_);
  fs::create_directories(dir);
  std::string copy = dir + "/" + fs::path(file).filename().string();
  std::ofstream(copy) << text;
  std::string patch = dir + "/patch.so";
  std::string errors = dir + "/errors.txt";
  std::string command = "'" + setup_.softpatch + "' build -p '" + setup_.build_dir + "' --for '" +
                        executable_ + "' --root '" + setup_.root + "' --as '" + file + "' -o '" +
                        patch + "' '" + copy + "' 2>'" + errors + "'";
  if (std::system(command.c_str()) != 0) {
    ++failures_;
    // Positions in what was typed, where the error is there.
    std::istringstream lines(read_file(errors));
    std::regex position(std::regex_replace(copy, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                        R"(:(\d+):(\d+):)");
    for (std::string line; std::getline(lines, line);) {
      std::smatch m;
      if (std::regex_search(line, m, position)) {
        int at = std::stoi(m[1]);
        std::string where =
            at >= typed_first && at <= typed_last
                ? "typed:" + std::to_string(at - typed_first + 1) + ":" + m[2].str() + ":"
                : file + ":" + m[1].str() + ":" + m[2].str() + ":";
        line = m.prefix().str() + where + m.suffix().str();
      }
      for (std::size_t at; (at = line.find(copy)) != std::string::npos;)
        line.replace(at, copy.size(), file);
      if (line.rfind("softpatch: ", 0) == 0) line.erase(0, 11);
      message(line);
    }
    return 0;
  }
  softpatch::Result<softpatch::PatchInfo> loaded = softpatch::load_patch(patch);
  if (!loaded) {
    fail(loaded.error());
    return 0;
  }
  history_.push_back({loaded->number, file, working_copy(file), loaded->changed});
  copies_[file] = text;
  if (const void* module = patch_module(loaded->number)) patch_modules_[module] = loaded->number;
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  // A `def` names its function, unless the loader found other changes;
  // a reload names what it changed.
  std::string what = function.empty() ? fs::path(file).filename().string() : function;
  bool as_typed = !function.empty() && loaded->changed == std::vector<std::string>{function} &&
                  loaded->added.empty();
  if (!as_typed) what += ": " + what_changed(*loaded);
  char line[512];
  std::snprintf(line, sizeof line, " (patch %d, %.2f s)", loaded->number, seconds);
  message("patched " + what + line);
  return loaded->number;
}

void Session::edit(const std::string& name) {
  softpatch::Result<softpatch::Function> function = softpatch::find_function(name);
  if (!function) return fail(function.error());
  std::string text = working_copy(function->file());
  std::string bare = name.substr(name.rfind(':') == std::string::npos ? 0 : name.rfind(':') + 1);
  std::size_t begin = 0, end = 0;
  if (!find_definition(text, bare, &begin, &end))
    return fail("edit: cannot find the definition of " + name);
  std::string path = setup_.work_dir + "/edit-" + bare + ".cpp";
  std::ofstream(path) << text.substr(begin, end - begin) << "\n";
  const char* editor = std::getenv("EDITOR");
  std::string command = std::string(editor && *editor ? editor : "vi") + " '" + path + "'";
  if (std::system(command.c_str()) != 0) return fail("edit: the editor failed");
  std::string definition = read_file(path);
  while (!definition.empty() && definition.back() == '\n') definition.pop_back();
  define(definition);
}

void Session::reload(const std::string& given) {
  std::string file = given;
  if (file.empty() && !history_.empty()) file = history_.back().file;
  if (file.empty()) {
    softpatch::Result<softpatch::Function> add2 = softpatch::find_function("add2");
    if (add2) file = add2->file();
  }
  std::string text = read_file(file);
  if (text.empty()) return fail("reload: cannot read " + file);
  apply(file, text, 0, -1, "");
}

void Session::undo() {
  if (history_.empty()) return fail("undo: nothing to undo");
  undo_last();
}

// Rolls the latest patch back and puts the working copy of its file back as
// it was before it.
void Session::undo_last() {
  Applied last = history_.back();
  softpatch::Result<softpatch::PatchInfo> rolled = softpatch::rollback(last.number);
  if (!rolled) return fail(rolled.error());
  history_.pop_back();
  copies_[last.file] = last.previous_text;
  message("undid patch " + std::to_string(last.number));
}

int Session::times_redefined(const std::string& function) const {
  return static_cast<int>(std::count_if(history_.begin(), history_.end(), [&](const Applied& a) {
    return std::find(a.changed.begin(), a.changed.end(), function) != a.changed.end();
  }));
}

void Session::list() const {
  for (const softpatch::Function& f : softpatch::functions()) {
    if (fs::path(f.file()).filename() != "math.cpp") continue;
    int redefined = times_redefined(f.name());
    std::printf("%s\t%s\n", f.name(),
                redefined ? ("version " + std::to_string(redefined + 1)).c_str() : "original");
  }
  std::fflush(stdout);
}

void Session::help() const {
  message(
      "call NAME ARGS...     call a function (integers, floating point, bool, char, \"strings\");\n"
      "                      a crash or Ctrl-C ends the call, and a crash in the latest\n"
      "                      patch's code undoes that patch\n"
      "def DEFINITION        replace a function: int add2(int a) { return a + 3; }\n"
      "                      (an unfinished { ... block continues on the next lines;\n"
      "                      Ctrl-C drops it)\n"
      "edit NAME             edit a function in $EDITOR, then apply it\n"
      "reload [FILE]         patch again from the file on disk\n"
      "undo                  roll back the last patch\n"
      "list                  functions and their versions\n"
      "help, quit");
}

}  // namespace repl
