// softpatch-cc: compiler launcher that builds instrumented objects.
//
//   softpatch-cc [--root=DIR] [--verbose] <compiler> <args...>
//
// Used as CMAKE_CXX_COMPILER_LAUNCHER by softpatch_instrument(); see
// softpatch/launcher/launcher.h.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "softpatch/common/runtime_headers.h"
#include "softpatch/launcher/launcher.h"
#include "softpatch/rewriter/preamble_cache.h"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  softpatch::driver::LauncherOptions options;
  int i = 1;
  for (; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--root=", 0) == 0) {
      options.project_root = arg.substr(7);
    } else if (arg == "--verbose") {
      options.verbose = true;
    } else if (arg == "--help") {
      std::puts("usage: softpatch-cc [--root=DIR] [--verbose] <compiler> <args...>");
      return 0;
    } else {
      break;
    }
  }
  if (i == argc) {
    std::fputs(
        "softpatch-cc: no compiler given (usage: softpatch-cc [--root=DIR] <compiler> <args...>)\n",
        stderr);
    return 2;
  }
  std::vector<std::string> command(argv + i, argv + argc);
  if (const char* root = std::getenv("SOFTPATCH_ROOT"); root && options.project_root.empty())
    options.project_root = root;
  if (options.project_root.empty()) options.project_root = fs::current_path().string();
  options.runtime_header = softpatch::driver::runtime_header("softpatch/internal/instrument.h");
  options.preamble_cache = softpatch::rewriter::PreambleCache::default_directory();
  if (const char* off = std::getenv("SOFTPATCH_DISABLE"); off && *off && std::string(off) != "0") {
    execvp(command[0].c_str(), argv + i);
    std::perror(command[0].c_str());
    return 127;
  }
  return softpatch::driver::launch(command, options);
}
