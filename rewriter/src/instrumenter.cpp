// Instrument mode: collect the function definitions and variables of the
// main file, and edit a copy of its text.
#include "softpatch/rewriter/instrumenter.h"

#include <algorithm>
#include <map>

#include "clang/AST/StmtCXX.h"
#include "clang/Rewrite/Core/Rewriter.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "body_members.h"
#include "eligibility.h"
#include "fingerprints.h"
#include "header_units.h"
#include "lambda_slots.h"
#include "layouts.h"
#include "naming.h"
#include "parse_file.h"
#include "quote_includes.h"
#include "source_text.h"
#include "text_edits.h"
#include "trampoline.h"
#include "unit_table.h"
#include "variable_binding.h"

namespace softpatch::rewriter {

std::string opted_out(llvm::StringRef file, llvm::StringRef text, llvm::StringRef project_root) {
  std::string path = real_or_absolute_path(file), root = real_or_absolute_path(project_root);
  if (!llvm::StringRef(path).startswith(root + "/")) return "outside the project root " + root;
  for (llvm::StringRef dir = llvm::sys::path::parent_path(path);
       !dir.empty() && dir.startswith(root); dir = llvm::sys::path::parent_path(dir)) {
    std::string marker = (dir + "/" + kSkipDirectoryFile).str();
    if (llvm::sys::fs::exists(marker)) return "opted out by " + marker;
  }
  if (text.contains(kSkipFileMarker)) return std::string("opted out (") + kSkipFileMarker + ")";
  return "";
}

std::string opted_out(llvm::StringRef file, llvm::StringRef project_root) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> text = llvm::MemoryBuffer::getFile(file);
  return opted_out(file, text ? (*text)->getBuffer() : "", project_root);
}

llvm::Expected<InstrumentedFile> instrument_file(llvm::StringRef file,
                                                 llvm::ArrayRef<std::string> compiler_command,
                                                 const InstrumentOptions& options) {
  InstrumentedFile out;
  out.opted_out = opted_out(file, options.project_root);
  if (!out.opted_out.empty()) {
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> text = llvm::MemoryBuffer::getFile(file);
    if (!text) return llvm::errorCodeToError(text.getError());
    out.source = (*text)->getBuffer().str();
    return out;
  }
  auto instrument = [&](clang::ASTContext& context, const Findings& found,
                        const MacroTokens& macro_tokens) {
    clang::SourceManager& sources = context.getSourceManager();
    std::string project_file = project_relative(file, options.project_root);
    Naming naming(context, project_file);
    UnitTable table(naming, file.str(), project_file);
    clang::Rewriter rewriter(sources, context.getLangOpts());
    TextEdits edits(rewriter, macro_tokens);
    Editor editor(naming, edits, table);
    out.skipped = found.skipped;
    std::optional<HeaderUnits> header_units;
    if (!options.shadow_directory.empty())
      header_units.emplace(
          context, found.search, macro_tokens, edits,
          HeaderPlaces{options.project_root, options.shadow_directory, options.preamble_cache});
    std::map<const clang::FunctionDecl*, std::string> without_slot = found.compiler_dependent;
    for (const clang::FunctionDecl* function : found.functions) {
      unsigned line = line_of(*function, sources);
      // A body a patch could not carry gets no slot: nothing could fill it.
      std::optional<std::string> why = body_member_problem(*function, edits);
      if (!why && editor.instrument(*function, line)) continue;
      out.skipped.push_back(skipped_function(
          *function, line, why.value_or("produced by a macro in a way that cannot be rewritten")));
      without_slot.emplace(
          function, why.value_or("function produced by a macro in a way that cannot be rewritten"));
    }
    LambdaSlots lambdas = lambda_slots(found, without_slot, edits, naming);
    for (const clang::LambdaExpr* lambda : found.lambdas) {
      const clang::CXXMethodDecl& call = *lambda->getCallOperator();
      const std::string& detail = detail_of(lambdas, lambda);
      if (has_slot(detail) && editor.instrument(call, line_of(call, sources))) {
        insert_closure_anchor(*lambda, edits);
        continue;
      }
      out.skipped.push_back(skipped_function(call, line_of(call, sources), detail));
    }
    for (const clang::FunctionDecl* pattern : found.templates) {
      unsigned line = line_of(*pattern, sources);
      if (editor.instrument_template(*pattern, line, out.skipped, found.compiler_dependence))
        continue;
      out.skipped.push_back(skipped_function(
          *pattern, line, "produced by a macro in a way that cannot be rewritten"));
      without_slot.emplace(pattern,
                           "template produced by a macro in a way that cannot be rewritten");
    }
    // Function-local statics are shared with patches through the variable
    // store, so a patched function keeps counting where the original was.
    if (context.getLangOpts().CPlusPlus14)
      bind_local_statics(found.local_statics, naming, edits, context);
    std::vector<InstrumentedFunction> in_headers;
    if (header_units) header_units->instrument(in_headers, out.skipped, found);
    edits.finish();
    for (const clang::VarDecl* variable : found.internal_variables) table.add_variable(*variable);
    if (!table.empty()) {
      std::vector<std::pair<std::string, std::string>> layouts =
          class_layouts(context, options.project_root);
      table.add_layouts(layouts);
      out.code = fingerprint_file(context, naming, macro_tokens, options.project_root, layouts,
                                  without_slot, lambdas);
      table.add_code(out.code);
    }

    llvm::StringRef original = sources.getBufferData(sources.getMainFileID());
    out.functions = table.listed_functions();
    out.functions.insert(out.functions.end(), in_headers.begin(), in_headers.end());
    out.variables = table.variable_count();
    std::string header_epilogue = header_units ? header_units->epilogue() : "";
    if (table.empty() && header_epilogue.empty()) {
      out.source = original.str();
      return;
    }
    std::string body = edited_text(rewriter, sources.getMainFileID());
    if (header_units)
      body = header_units->include_copies(body, absolute_path(file), rewriter, out.headers);
    out.source = with_absolute_quote_includes(
        table.prologue(options.runtime_header,
                       header_units ? header_units->slot_definitions() : "") +
            body + table.epilogue() + header_epilogue,
        llvm::sys::path::parent_path(absolute_path(file)));
  };
  llvm::Expected<InstrumentedFile::Preamble> preamble = parse_file(
      file, compiler_command, options.working_directory, options.preamble_cache, instrument,
      /*preamble_at_first_sight=*/false,
      options.shadow_directory.empty() ? "" : options.project_root);
  if (!preamble) return preamble.takeError();
  out.preamble = *preamble;
  return out;
}

}  // namespace softpatch::rewriter
