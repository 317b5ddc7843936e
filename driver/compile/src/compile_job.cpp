#include "softpatch/compile/compile_job.h"

#include "softpatch/common/source_files.h"

#include <algorithm>
#include <filesystem>
#include <string_view>

#include "clang/Driver/Options.h"
#include "llvm/Option/ArgList.h"
#include "llvm/Option/OptTable.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/StringSaver.h"

namespace softpatch::driver {
namespace {

namespace options = clang::driver::options;

// The command with @response files replaced by their contents.
std::vector<std::string> expand_response_files(const std::vector<std::string>& command) {
  if (std::none_of(command.begin(), command.end(),
                   [](const std::string& a) { return !a.empty() && a[0] == '@'; }))
    return command;
  llvm::BumpPtrAllocator allocator;
  llvm::StringSaver saver(allocator);
  llvm::SmallVector<const char*, 64> argv;
  for (const std::string& arg : command) argv.push_back(arg.c_str());
  llvm::cl::ExpandResponseFiles(saver, llvm::cl::TokenizeGNUCommandLine, argv);
  return std::vector<std::string>(argv.begin(), argv.end());
}

}  // namespace

std::optional<CompileJob> CompileJob::from_command(std::vector<std::string> command) {
  command = expand_response_files(command);
  std::vector<const char*> argv;
  for (size_t i = 1; i < command.size(); ++i) argv.push_back(command[i].c_str());
  unsigned missing_index = 0, missing_count = 0;
  // Classified as the compiler would: with the driver's own option table.
  llvm::opt::InputArgList args = clang::driver::getDriverOptTable().ParseArgs(
      argv, missing_index, missing_count, /*FlagsToInclude=*/0,
      /*FlagsToExclude=*/options::CLOption | options::NoDriverOption);
  if (missing_count || !args.hasArg(options::OPT_c) ||
      args.hasArg(options::OPT_E, options::OPT_S, options::OPT_M, options::OPT_MM,
                  options::OPT_fsyntax_only))
    return std::nullopt;
  if (const llvm::opt::Arg* language = args.getLastArg(options::OPT_x);
      language && llvm::StringRef(language->getValue()) != "c++")
    return std::nullopt;
  std::vector<const llvm::opt::Arg*> inputs;
  for (const llvm::opt::Arg* arg : args.filtered(options::OPT_INPUT)) inputs.push_back(arg);
  if (inputs.size() != 1 || !is_cpp_source(inputs[0]->getValue())) return std::nullopt;

  CompileJob job;
  job.source_index = inputs[0]->getIndex() + 1;
  job.object = args.getLastArgValue(options::OPT_o).str();
  job.object_given = !job.object.empty();
  bool wants_depfile = args.hasArg(options::OPT_MD, options::OPT_MMD);
  job.depfile = args.getLastArgValue(options::OPT_MF).str();
  // -Wp,-MD,file and -Wp,-MMD,file name the depfile for the preprocessor.
  for (const llvm::opt::Arg* arg : args.filtered(options::OPT_Wp_COMMA)) {
    for (unsigned i = 0; i + 1 < arg->getNumValues(); ++i) {
      llvm::StringRef value = arg->getValue(i);
      if (value == "-MD" || value == "-MMD") job.depfile = arg->getValue(i + 1);
    }
  }
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
  // Without -o the compiler would name the object after the copy.
  if (!object_given) out.insert(out.end(), {"-o", object});
  return out;
}

}  // namespace softpatch::driver
