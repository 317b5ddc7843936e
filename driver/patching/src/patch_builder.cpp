#include "softpatch/patching/patch_builder.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>

#include "llvm/Support/Program.h"

#include "softpatch/common/runtime_headers.h"
#include "softpatch/common/subprocess.h"
#include "softpatch/compile/compile_job.h"
#include "softpatch/compile/compiler_preamble.h"
#include "softpatch/protocol/agent_paths.h"
#include "softpatch/rewriter/patcher.h"
#include "softpatch/rewriter/preamble_cache.h"
#include "softpatch/rewriter/text_hash.h"
#include "unexported_symbols.h"

namespace softpatch::driver {
namespace fs = std::filesystem;

char CompileError::ID = 0;

std::vector<std::string> patch_compile_command(const std::vector<std::string>& command) {
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
  out.push_back("-fPIC");
  // The loader finds a patch's functions by name (dlsym): a project built
  // with hidden visibility (fmt's -fvisibility=hidden) would hide them.
  // Nothing binds to them from outside: the patch links -Bsymbolic.
  out.insert(out.end(), {"-fvisibility=default", "-fno-visibility-inlines-hidden"});
  return out;
}

// gold links a patch in half the time of the default linker, where there is one.
static bool use_gold(const std::vector<std::string>& command) {
  static const bool available = static_cast<bool>(llvm::sys::findProgramByName("ld.gold"));
  return available && std::none_of(command.begin(), command.end(), [](const std::string& arg) {
           return arg.rfind("-fuse-ld=", 0) == 0;
         });
}

std::vector<std::string> shared_library_command(const std::vector<std::string>& command,
                                                const std::string& source,
                                                const std::string& output) {
  std::vector<std::string> out = patch_compile_command(command);
  if (use_gold(out)) out.push_back("-fuse-ld=gold");
  out.insert(out.end(), {"-shared", "-Wl,-Bsymbolic-functions", "-o", output, source});
  return out;
}

static llvm::Error write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out) return llvm::createStringError(llvm::inconvertibleErrorCode(), "cannot write " + path);
  return llvm::Error::success();
}

// The file's own compiler's diagnostics for a file the rewriter could not
// parse: all of them, as the developer knows them; the rewriter's one line
// when that compiler accepts the file (code only Clang rejects).
static llvm::Error compiler_diagnostics(const PatchRequest& request, llvm::Error parse_error) {
  std::vector<std::string> check = patch_compile_command(request.compile_command);
  // An edited copy elsewhere still includes the original's neighbours.
  if (request.edited_file != request.original_file)
    check.insert(check.end(), {"-iquote", fs::path(request.original_file).parent_path().string()});
  check.insert(check.end(), {"-fsyntax-only", request.edited_file});
  ProcessResult checked = run_process(check, Stderr::kCapture, request.directory);
  if (checked.status == 0 || checked.error_text.empty()) return parse_error;
  llvm::consumeError(std::move(parse_error));
  std::string text = checked.error_text;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return llvm::make_error<CompileError>(text);
}

std::set<std::string> functions_to_compile(const std::vector<CodeFingerprint>& built,
                                           const std::vector<CodeFingerprint>& edited) {
  std::map<std::string, std::string> built_hashes;
  for (const CodeFingerprint& piece : built) built_hashes.emplace(piece.key, piece.hash);
  std::set<std::string> compile;
  for (const CodeFingerprint& piece : edited) {
    auto found = built_hashes.find(piece.key);
    if (found == built_hashes.end() || found->second != piece.hash) compile.insert(piece.key);
  }
  return compile;
}

// Under which directory a patch's copies of the project's headers go: in
// the private agent directory (the patch compiles what is there), one
// directory per source file. The rewriter puts each set of copies in a
// subdirectory named by its text, so the precompiled preamble that names
// them serves the next patch that copies them alike.
static llvm::Expected<std::string> header_copies_directory(const PatchRequest& request) {
  Result<std::string> agents = protocol::agent_directory();
  if (!agents)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), agents.take_error().message);
  return *agents + "/headers/" + rewriter::text_hash(request.original_file);
}

static llvm::Expected<rewriter::PatchOptions> patch_options(const PatchRequest& request) {
  llvm::Expected<std::string> headers = header_copies_directory(request);
  if (!headers) return headers.takeError();
  rewriter::PatchOptions options;
  options.shadow_directory = *headers;
  options.project_root = request.project_root;
  options.original_file = request.original_file;
  options.patch_header = runtime_header("softpatch/internal/patch.h");
  options.build_id = request.build_id;
  options.preamble_cache = rewriter::PreambleCache::default_directory();
  options.working_directory = request.directory;
  options.header = request.header;
  return options;
}

// The sets of header copies kept for one source file: the edits of a
// working session, and no more.
constexpr std::size_t kKeptHeaderCopies = 8;

// Dates the set of copies `headers` goes in as used now (before they are
// written: a set that another patch trims meanwhile is written again) and
// removes the sets of the file least recently used beyond kKeptHeaderCopies.
static void keep_recent_header_copies(const std::vector<rewriter::ShadowHeader>& headers) {
  if (headers.empty()) return;
  fs::path used = fs::path(headers.front().path).parent_path();
  std::error_code error;
  fs::create_directories(used, error);
  fs::last_write_time(used, fs::file_time_type::clock::now(), error);
  std::vector<std::pair<fs::file_time_type, fs::path>> sets;
  for (fs::directory_iterator it(used.parent_path(), error), end; !error && it != end;
       it.increment(error)) {
    std::error_code ignored;
    if (it->is_directory(ignored) && it->path() != used)
      sets.emplace_back(it->last_write_time(ignored), it->path());
  }
  if (sets.size() < kKeptHeaderCopies) return;
  std::sort(sets.begin(), sets.end(), std::greater<>());
  for (std::size_t i = kKeptHeaderCopies - 1; i < sets.size(); ++i) {
    std::error_code ignored;
    fs::remove_all(sets[i].second, ignored);
  }
}

llvm::Error warm_patch_caches(const PatchRequest& request) {
  llvm::Expected<rewriter::PatchOptions> options = patch_options(request);
  if (!options) return options.takeError();
  options->preamble_at_first_sight = true;
  llvm::Expected<rewriter::PatchSource> patch =
      rewriter::make_patch_source(request.edited_file, request.compile_command, *options);
  if (!patch) return patch.takeError();
  keep_recent_header_copies(patch->headers);
  if (llvm::Error error = rewriter::write_header_copies(patch->headers)) return error;
  CompilerPreamble preamble(rewriter::PreambleCache::default_directory(),
                            patch_compile_command(request.compile_command), patch->source,
                            request.directory);
  preamble.build();
  return llvm::Error::success();
}

llvm::Expected<BuiltPatch> build_patch(const PatchRequest& request) {
  llvm::Expected<rewriter::PatchOptions> options = patch_options(request);
  if (!options) return options.takeError();
  UnexportedSymbols unexported = unexported_symbols_of(request.pid, request.build_id);
  options->hidden_header_slots = hidden_header_slots(unexported);
  if (request.built)
    options->choose_compiled = [&](const std::vector<CodeFingerprint>& code) {
      return std::optional<std::set<std::string>>(functions_to_compile(*request.built, code));
    };
  // A header's functions run from their slots whatever patch runs them: one
  // whose body is as it runs now needs nothing.
  if (!request.header.empty() && request.running)
    options->choose_compiled = [&](const std::vector<CodeFingerprint>& code) {
      return std::optional<std::set<std::string>>(functions_to_compile(*request.running, code));
    };
  llvm::Expected<rewriter::PatchSource> patch =
      rewriter::make_patch_source(request.edited_file, request.compile_command, *options);
  if (!patch) return compiler_diagnostics(request, patch.takeError());
  std::optional<CodeChanges> changes;
  if (request.running) {
    changes = compare(*request.running, patch->code);
    if (changes->refusal)
      return llvm::createStringError(llvm::inconvertibleErrorCode(), *changes->refusal);
    if (changes->none()) return BuiltPatch{"", 0, changes};
  }
  auto is_patched_header = [&](const std::string& project_file) {
    const std::string& path = request.header;
    return path.size() > project_file.size() &&
           path.compare(path.size() - project_file.size(), project_file.size(), project_file) ==
               0 &&
           path[path.size() - project_file.size() - 1] == '/';
  };
  if (request.running_header)
    for (const auto& [header, code] : patch->header_code) {
      if (is_patched_header(header)) continue;
      std::optional<std::vector<CodeFingerprint>> runs = request.running_header(header);
      if (!runs) continue;
      CodeChanges pending = compare(*runs, code);
      if (pending.refusal || !pending.none())
        return llvm::createStringError(
            llvm::inconvertibleErrorCode(),
            header + " has edits that do not run yet (" +
                (pending.refusal ? *pending.refusal : describe(pending)) +
                "), which this file's calls of it would run alone: patch it first (softpatch "
                "patch " +
                header +
                "; a library that keeps its own copies of its functions, built with hidden "
                "visibility, runs them as built until it restarts), or restart");
    }

  keep_recent_header_copies(patch->headers);
  if (llvm::Error error = rewriter::write_header_copies(patch->headers)) return error;
  std::string source = request.output + ".cpp";
  std::vector<std::string> command =
      shared_library_command(request.compile_command, source, request.output);
  if (llvm::Error error =
          build_unexported_symbols_library(unexported, request.output + ".unexported.so",
                                           request.compile_command, request.directory))
    return error;
  if (!unexported.library.empty())
    command.insert(command.end(), {"-x", "none", unexported.library});
  CompilerPreamble preamble(rewriter::PreambleCache::default_directory(),
                            patch_compile_command(request.compile_command), patch->source,
                            request.directory);
  preamble.start();  // for the next patch of this file, while this one compiles
  ProcessResult built;
  if (preamble.usable()) {
    if (llvm::Error error = write_file(source, preamble.source_using_it())) return error;
    std::vector<std::string> with = command;
    std::vector<std::string> include = preamble.include_arguments();
    with.insert(with.begin() + 1, include.begin(), include.end());
    built = run_process(with, Stderr::kCapture, request.directory);
    // A compiler that cannot use the entry says so naming it, or crashes
    // (g++ can, on a precompiled header): do without.
    if (built.status != 0 &&
        (built.error_text.find(include.back()) != std::string::npos ||
         built.error_text.find("internal compiler error") != std::string::npos))
      preamble.discard();
  }
  if (!preamble.usable()) {
    if (llvm::Error error = write_file(source, patch->source)) return error;
    built = run_process(command, Stderr::kCapture, request.directory);
  }
  if (built.status != 0) return llvm::make_error<CompileError>(built.error_text);
  if (std::optional<std::string> why =
          second_copy_of_hidden_variable(request.output, unexported.symbols))
    return llvm::createStringError(llvm::inconvertibleErrorCode(), *why);
  if (std::optional<std::string> why = unreachable_hidden_code(
          request.output, unexported, patch->bound_slots, patch->hidden_by_default))
    return llvm::createStringError(llvm::inconvertibleErrorCode(), *why);
  bool instantiations = std::any_of(patch->functions.begin(), patch->functions.end(),
                                    [](const auto& function) { return function.instantiation; });
  return BuiltPatch{request.output, patch->functions.size() - patch->imported, changes,
                    patch->imported, instantiations};
}

}  // namespace softpatch::driver
