#include "softpatch/rewriter/parse_command.h"

#include "clang/Driver/Options.h"
#include "llvm/Option/ArgList.h"
#include "llvm/Option/OptTable.h"

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

}  // namespace

std::vector<std::string> parse_command(llvm::ArrayRef<std::string> compiler_command,
                                       llvm::StringRef file) {
  std::vector<const char*> argv;
  for (const std::string& arg : compiler_command.drop_front()) argv.push_back(arg.c_str());
  unsigned missing_index = 0, missing_count = 0;
  const llvm::opt::OptTable& table = clang::driver::getDriverOptTable();
  // As the gcc-compatible driver does: without cl.exe options, so that a path
  // such as /work/a.cpp is not read as the option /w.
  llvm::opt::InputArgList args =
      table.ParseArgs(argv, missing_index, missing_count, /*FlagsToInclude=*/0,
                      /*FlagsToExclude=*/options::CLOption | options::NoDriverOption);

  std::vector<std::string> out = {SOFTPATCH_CLANG_BINARY};
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
