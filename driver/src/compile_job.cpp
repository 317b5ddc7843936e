#include "softpatch/driver/compile_job.h"

#include <filesystem>
#include <string_view>

namespace softpatch::driver {
namespace {

bool is_cxx_source(std::string_view path) {
  for (std::string_view ext : {".cpp", ".cc", ".cxx", ".c++", ".C", ".cp", ".CPP"})
    if (path.size() > ext.size() && path.substr(path.size() - ext.size()) == ext) return true;
  return false;
}

// Options whose value is the next argument.
bool takes_value(std::string_view arg) {
  for (std::string_view option : {"-o",
                                  "-MF",
                                  "-MT",
                                  "-MQ",
                                  "-x",
                                  "-include",
                                  "-imacros",
                                  "-isystem",
                                  "-iquote",
                                  "-idirafter",
                                  "-I",
                                  "-D",
                                  "-U",
                                  "-Xclang",
                                  "-Xlinker",
                                  "-Xassembler",
                                  "-Xpreprocessor",
                                  "-arch",
                                  "-target",
                                  "-isysroot",
                                  "--sysroot",
                                  "-iprefix",
                                  "-iwithprefix",
                                  "-aux-info",
                                  "-dumpbase",
                                  "-dumpdir",
                                  "-include-pch"})
    if (arg == option) return true;
  return false;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::optional<CompileJob> CompileJob::from_command(std::vector<std::string> command) {
  CompileJob job;
  bool compile_only = false, wants_depfile = false;
  std::vector<std::size_t> inputs;
  for (std::size_t i = 1; i < command.size(); ++i) {
    std::string_view arg = command[i];
    if (arg == "-c") {
      compile_only = true;
    } else if (arg == "-E" || arg == "-S" || arg == "-M" || arg == "-MM" ||
               arg == "-fsyntax-only") {
      return std::nullopt;
    } else if (arg == "-MD" || arg == "-MMD") {
      wants_depfile = true;
    } else if (arg == "-x" && i + 1 < command.size()) {
      if (command[i + 1] != "c++") return std::nullopt;  // c, c++-header, assembler...
      ++i;
    } else if (starts_with(arg, "-x")) {
      if (arg != "-xc++") return std::nullopt;
    } else if (arg == "-o" && i + 1 < command.size()) {
      job.object = command[++i];
    } else if (starts_with(arg, "-o") && arg.size() > 2) {
      job.object = std::string(arg.substr(2));
    } else if (arg == "-MF" && i + 1 < command.size()) {
      job.depfile = command[++i];
    } else if (starts_with(arg, "-MF") && arg.size() > 3) {
      job.depfile = std::string(arg.substr(3));
    } else if (takes_value(arg)) {
      ++i;
    } else if (arg == "-" || (!arg.empty() && arg[0] != '-')) {
      inputs.push_back(i);
    }
  }
  if (!compile_only || inputs.size() != 1 || !is_cxx_source(command[inputs[0]]))
    return std::nullopt;
  job.source_index = inputs[0];
  std::filesystem::path source = command[job.source_index];
  if (job.object.empty()) job.object = source.filename().replace_extension(".o").string();
  if (wants_depfile && job.depfile.empty())
    job.depfile = std::filesystem::path(job.object).replace_extension(".d").string();
  job.command = std::move(command);
  return job;
}

std::vector<std::string> CompileJob::compiling(const std::string& replacement) const {
  std::vector<std::string> out = command;
  out[source_index] = replacement;
  std::string directory = std::filesystem::path(source()).parent_path().string();
  out.insert(out.begin() + 1, {"-iquote", directory.empty() ? "." : directory});
  return out;
}

}  // namespace softpatch::driver
