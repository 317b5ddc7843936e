#include "softpatch/driver/patch_builder.h"

#include <fstream>

#include "softpatch/driver/compile_job.h"
#include "softpatch/driver/runtime_headers.h"
#include "softpatch/driver/subprocess.h"
#include "softpatch/rewriter/patcher.h"
#include "softpatch/rewriter/preamble_cache.h"

namespace softpatch::driver {

std::vector<std::string> shared_library_command(const std::vector<std::string>& command,
                                                const std::string& source,
                                                const std::string& output) {
  std::vector<std::string> out = {command.front()};
  std::optional<CompileJob> job = CompileJob::from_command(command);
  for (std::size_t i = 1; i < command.size(); ++i) {
    const std::string& arg = command[i];
    if (job && i == job->source_index) continue;
    if (arg == "-c" || arg == "-MD" || arg == "-MMD" || arg == "-MP") continue;
    if (arg == "-o" || arg == "-MF" || arg == "-MT" || arg == "-MQ") {
      ++i;
      continue;
    }
    if (arg.rfind("-o", 0) == 0 || arg.rfind("-MF", 0) == 0 || arg.rfind("-MT", 0) == 0) continue;
    // Added by Clang's compilation database for its own driver, not the compiler's.
    if (arg.rfind("--driver-mode=", 0) == 0) continue;
    out.push_back(arg);
  }
  out.insert(out.end(), {"-fPIC", "-shared", "-Wl,-Bsymbolic-functions", "-o", output, source});
  return out;
}

llvm::Expected<BuiltPatch> build_patch(const PatchRequest& request) {
  rewriter::PatchOptions options;
  options.project_root = request.project_root;
  options.original_file = request.original_file;
  options.patch_header = runtime_header("softpatch/internal/patch.h");
  options.build_id = request.build_id;
  options.preamble_cache = rewriter::PreambleCache::default_directory();
  llvm::Expected<rewriter::PatchSource> patch =
      rewriter::make_patch_source(request.edited_file, request.compile_command, options);
  if (!patch) return patch.takeError();

  std::string source = request.output + ".cpp";
  {
    std::ofstream out(source, std::ios::trunc);
    out << patch->source;
    if (!out)
      return llvm::createStringError(llvm::inconvertibleErrorCode(), "cannot write " + source);
  }
  ProcessResult built = run_process(
      shared_library_command(request.compile_command, source, request.output), Stderr::kCapture);
  if (built.status != 0)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), built.error_text);
  return BuiltPatch{request.output, patch->functions.size()};
}

}  // namespace softpatch::driver
