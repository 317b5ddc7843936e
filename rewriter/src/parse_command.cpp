#include "softpatch/rewriter/parse_command.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <optional>

#include "clang/Driver/Options.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Option/ArgList.h"
#include "llvm/Option/OptTable.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "softpatch/cache/caches.h"

namespace softpatch::rewriter {
namespace {

namespace options = clang::driver::options;

// Options that only concern outputs, diagnostics or code generation.
bool irrelevant_to_parsing(const llvm::opt::Arg& arg) {
  const llvm::opt::Option& option = arg.getOption();
  if (option.getKind() == llvm::opt::Option::UnknownClass ||
      option.getKind() == llvm::opt::Option::InputClass)
    return true;
  switch (option.getID()) {
    case options::OPT_o:
    case options::OPT_c:
    case options::OPT_S:
    case options::OPT_E:
    case options::OPT_MD:
    case options::OPT_MMD:
    case options::OPT_MF:
    case options::OPT_MT:
    case options::OPT_MQ:
    case options::OPT_MP:
    case options::OPT_M:
    case options::OPT_MM:
    case options::OPT_fsyntax_only:
    case options::OPT_driver_mode:  // added by Clang's compilation database
    case options::OPT__DASH_DASH:   // and "-- file" by its interpolation
    case options::OPT_fdiagnostics_color:
    case options::OPT_fdiagnostics_color_EQ:
    case options::OPT_fcolor_diagnostics:
    case options::OPT_fno_color_diagnostics:
      return true;
    default:
      break;
  }
  return option.matches(options::OPT_W_Group) || option.matches(options::OPT_g_Group) ||
         option.matches(options::OPT_w);
}

bool names_standard(llvm::ArrayRef<std::string> command) {
  return std::any_of(command.begin(), command.end(), [](const std::string& arg) {
    return llvm::StringRef(arg).startswith("-std=") || llvm::StringRef(arg).startswith("--std");
  });
}

// What in the environment changes which compiler runs, or how: part of a
// probe's key.
std::vector<std::string> environment_of_compilers() {
  std::vector<std::string> values;
  for (const char* name : {"PATH", "GCC_EXEC_PREFIX", "COMPILER_PATH", "CCC_OVERRIDE_OPTIONS"}) {
    const char* value = std::getenv(name);
    values.push_back(value ? value : "");
  }
  return values;
}

// The cache's file for what `arguments` print, run by `program`: keyed by
// the compiler's real file, its size and modification time (an upgrade
// replaces it) and the arguments; "" without a cache.
std::string probe_file(const std::string& program, const std::vector<std::string>& arguments) {
  std::string root = cache::default_directory();
  if (root.empty()) return "";
  Result<cache::Directory> directory =
      cache::Directory::open(std::move(root), cache::rewriter_preamble_layout());
  if (!directory) {
    directory.ignore();
    return "";
  }
  llvm::SmallString<256> real;
  llvm::sys::fs::file_status status;
  if (llvm::sys::fs::real_path(program, real) || llvm::sys::fs::status(real, status)) return "";
  auto modified = status.getLastModificationTime().time_since_epoch();
  std::string key = cache::Key("compiler-probe/1")
                        .add(real.str())
                        .add(std::to_string(status.getSize()))
                        .add(std::to_string(
                            std::chrono::duration_cast<std::chrono::nanoseconds>(modified).count()))
                        .add(arguments)
                        .add(environment_of_compilers())
                        .name();
  return directory->file(key, ".probe");
}

// What `arguments` (a compiler, its flags, then -x c++ -dM -E /dev/null)
// print: the macros the compiler predefines. Asked once per process, and
// kept in the cache for the next (every file a build compiles asks); "" if
// the compiler cannot be run.
const std::string& predefines_of(const std::vector<std::string>& arguments) {
  static std::map<std::vector<std::string>, std::string> known;
  auto [it, inserted] = known.emplace(arguments, "");
  if (!inserted) return it->second;
  llvm::ErrorOr<std::string> program = llvm::sys::findProgramByName(arguments.front());
  if (!program) return it->second;
  std::string kept = probe_file(*program, arguments);
  // A file cut short says no __cplusplus: asked again.
  if (!kept.empty() && cache::mark_used(kept))
    if (auto text = llvm::MemoryBuffer::getFile(kept);
        text && (*text)->getBuffer().contains("#define __cplusplus ")) {
      it->second = (*text)->getBuffer().str();
      return it->second;
    }
  llvm::SmallString<128> output;
  if (llvm::sys::fs::createTemporaryFile("softpatch-predefines", "txt", output)) return it->second;
  llvm::Optional<llvm::StringRef> redirects[] = {llvm::StringRef(""), output.str(),
                                                 llvm::StringRef("")};
  std::vector<llvm::StringRef> argv(arguments.begin(), arguments.end());
  if (llvm::sys::ExecuteAndWait(*program, argv, llvm::None, redirects) == 0)
    if (auto text = llvm::MemoryBuffer::getFile(output)) it->second = (*text)->getBuffer().str();
  llvm::sys::fs::remove(output);
  // Only what a compiler printed is kept (a failure is asked again).
  if (!kept.empty() && !it->second.empty()) cache::write_atomically(kept, it->second).ignore();
  return it->second;
}

const char* const kPrintPredefines[] = {"-x", "c++", "-dM", "-E", "/dev/null"};

// What `compiler -x c++ -dM -E /dev/null` says __cplusplus is.
long cplusplus_of(const std::string& compiler) {
  std::vector<std::string> arguments = {compiler};
  arguments.insert(arguments.end(), std::begin(kPrintPredefines), std::end(kPrintPredefines));
  llvm::StringRef rest = predefines_of(arguments);
  long version = 0;
  size_t at = rest.find("#define __cplusplus ");
  if (at != llvm::StringRef::npos)
    rest.drop_front(at + 20).take_while(llvm::isDigit).getAsInteger(10, version);
  return version;
}

// Options that do not change what a compiler predefines, or name a file.
bool irrelevant_to_predefines(const llvm::opt::Arg& arg) {
  const llvm::opt::Option& option = arg.getOption();
  return irrelevant_to_parsing(arg) || option.matches(options::OPT_D) ||
         option.matches(options::OPT_U) || option.matches(options::OPT_include) ||
         option.matches(options::OPT_imacros) || option.matches(options::OPT_I_Group) ||
         option.matches(options::OPT_x);
}

// The compile command's options, parsed as the gcc-compatible driver does:
// without cl.exe options, so that a path such as /work/a.cpp is not read
// as the option /w.
llvm::opt::InputArgList parsed_options(llvm::ArrayRef<std::string> compiler_command,
                                       std::vector<const char*>& argv) {
  for (const std::string& arg : compiler_command.drop_front()) argv.push_back(arg.c_str());
  unsigned missing_index = 0, missing_count = 0;
  return clang::driver::getDriverOptTable().ParseArgs(
      argv, missing_index, missing_count, /*FlagsToInclude=*/0,
      /*FlagsToExclude=*/options::CLOption | options::NoDriverOption);
}

}  // namespace

std::string first_error_line(llvm::StringRef diagnostics) {
  llvm::SmallVector<llvm::StringRef, 16> lines;
  diagnostics.split(lines, '\n');
  llvm::StringRef first = lines.front();
  for (llvm::StringRef line : lines)
    if (line.contains("error:")) {
      first = line;
      break;
    }
  if (first.empty()) return "no diagnostics";
  return first.size() > 300 ? first.take_front(300).str() + "..." : first.str();
}

std::string compiler_predefines(llvm::ArrayRef<std::string> compiler_command) {
  std::vector<const char*> argv;
  llvm::opt::InputArgList args = parsed_options(compiler_command, argv);
  std::vector<std::string> arguments = {compiler_command.front()};
  for (const llvm::opt::Arg* arg : args) {
    if (irrelevant_to_predefines(*arg)) continue;
    llvm::opt::ArgStringList rendered;
    arg->render(args, rendered);
    arguments.insert(arguments.end(), rendered.begin(), rendered.end());
  }
  arguments.insert(arguments.end(), std::begin(kPrintPredefines), std::end(kPrintPredefines));
  return predefines_of(arguments);
}

std::string default_standard(const std::string& compiler) {
  static std::map<std::string, std::string> known;  // one probe per compiler and process
  auto [it, inserted] = known.emplace(compiler, "");
  if (!inserted) return it->second;
  long version = cplusplus_of(compiler);
  it->second = version > 202002    ? "-std=gnu++2b"
               : version >= 202002 ? "-std=gnu++20"
               : version >= 201703 ? "-std=gnu++17"
               : version >= 201402 ? "-std=gnu++14"
               : version           ? "-std=gnu++11"
                                   : "";
  return it->second;
}

std::vector<std::string> parse_command(llvm::ArrayRef<std::string> compiler_command,
                                       llvm::StringRef file) {
  std::vector<const char*> argv;
  llvm::opt::InputArgList args = parsed_options(compiler_command, argv);

  std::vector<std::string> out = {SOFTPATCH_CLANG_BINARY};
  if (!names_standard(compiler_command)) {
    std::string standard = default_standard(compiler_command.front());
    if (!standard.empty()) out.push_back(standard);
  }
  for (const llvm::opt::Arg* arg : args) {
    if (irrelevant_to_parsing(*arg)) continue;
    // -include goes straight to the front end: the driver would otherwise
    // look for a precompiled header next to it, and a g++ one is unreadable.
    if (arg->getOption().matches(options::OPT_include)) {
      out.insert(out.end(), {"-Xclang", "-include", "-Xclang", arg->getValue()});
      continue;
    }
    llvm::opt::ArgStringList rendered;
    arg->render(args, rendered);
    out.insert(out.end(), rendered.begin(), rendered.end());
  }
  // No carets: they also make Clang print "N errors generated." to stderr.
  out.insert(out.end(),
             {"-fsyntax-only", "-w", "-Wno-everything", "-fno-caret-diagnostics", file.str()});
  return out;
}

}  // namespace softpatch::rewriter
