// Instrumenting functions: the Editor inserts a function's trampoline and
// adds it to its unit's table; HeaderUnits does that for every function of
// the project's headers that a translation unit can instrument, one unit
// per header, for both modes (a patch's copies of header functions go
// through the same slots as the program's).
#ifndef SOFTPATCH_REWRITER_HEADER_UNITS_H
#define SOFTPATCH_REWRITER_HEADER_UNITS_H

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "clang/AST/ASTContext.h"

#include "findings.h"
#include "fingerprints.h"
#include "header_functions.h"
#include "header_shadows.h"
#include "naming.h"
#include "template_slots.h"
#include "text_edits.h"
#include "trampoline.h"
#include "unit_table.h"

namespace softpatch::rewriter {

// Edits a function's text (in the main file or a header's copy): names
// unnamed parameters and inserts its trampoline; the unit table collects
// what the epilogue registers.
using Dependence = std::function<std::optional<std::string>(const clang::FunctionDecl&)>;

class Editor {
 public:
  Editor(const Naming& naming, TextEdits& edits, UnitTable& table)
      : naming_(naming), edits_(edits), table_(table) {}

  // False when some place to edit cannot be reached; nothing is edited then.
  bool instrument(const clang::FunctionDecl& function, unsigned line) {
    if (!EditPoints(function).all_editable(edits_)) return false;
    add(function, line);
    return true;
  }

  // Edits `function`, whose edit points are all editable.
  void add(const clang::FunctionDecl& function, unsigned line) {
    unsigned index = table_.slot_count();
    table_.add_function(function, line);
    insert_trampoline(function, table_.slot_of(index));
  }

  // A template (template_slots.h): one trampoline in its body, a record
  // for each instantiation the file has; those whose arguments cannot be
  // written at the end of the file go to `skipped`. False when some place
  // to edit cannot be reached; nothing is edited then.
  // `dependence` (Findings::compiler_dependence) says which instantiations
  // the compiler may not make.
  bool instrument_template(const clang::FunctionDecl& pattern, unsigned line,
                           std::vector<SkippedFunction>& skipped, const Dependence& dependence) {
    if (!EditPoints(pattern).all_editable(edits_)) return false;
    add_template(pattern, line, skipped, "", dependence);
    return true;
  }

  // Edits `pattern`, whose edit points are all editable; `file` is where a
  // skipped instantiation is said to be ("": the main file).
  void add_template(const clang::FunctionDecl& pattern, unsigned line,
                    std::vector<SkippedFunction>& skipped, const std::string& file,
                    const Dependence& dependence) {
    for (const clang::FunctionDecl* instance : instances_of(pattern))
      if (std::optional<std::string> why = dependence ? dependence(*instance) : std::nullopt)
        skipped.push_back({naming_.readable_name(*instance), line, "instantiation " + *why, file,
                           instance->getType().getAsString(), /*instantiation=*/true});
      else if (!table_.add_template_instance(*instance, pattern, line))
        skipped.push_back({naming_.readable_name(*instance), line,
                           "instantiation whose template arguments cannot be written at "
                           "namespace scope (a private or local type, a pointer)",
                           file, instance->getType().getAsString(), /*instantiation=*/true});
    table_.add_template(pattern, line);
    insert_trampoline(pattern, template_slot_in_body(pattern));
  }

 private:
  void insert_trampoline(const clang::FunctionDecl& function, const std::string& slot) {
    EditPoints points(function);
    std::string text = trampoline(function, slot, name_parameters(function, edits_), naming_);
    if (points.body_end.isValid()) {
      // A function-try-block becomes a try block inside a plain body, so the
      // trampoline runs first and a replacement's exceptions are not caught.
      edits_.insert_before(points.body_start, "{" + text + " ");
      edits_.insert_after(points.body_end, " }");
    } else {
      edits_.insert_after(points.body_start, text);
    }
  }

  const Naming& naming_;
  TextEdits& edits_;
  UnitTable& table_;
};

// Where the copies of one file's headers go, and what decides which
// headers are the project's.
struct HeaderPlaces {
  std::string project_root;
  std::string directory;       // InstrumentOptions::shadow_directory
  std::string preamble_cache;  // where a precompiled preamble's header is
  // A patch's: the copies go in a subdirectory of `directory` named by
  // their text (PatchOptions::shadow_directory).
  bool by_content = false;
};

// The units of the project's headers that one file instruments, each
// registered by the file's epilogue (instrument mode; a patch registers
// nothing, its copies only use the slots), and the copies that carry them.
class HeaderUnits {
 public:
  HeaderUnits(clang::ASTContext& context, const IncludeSearch& search,
              const MacroTokens& preprocessed, TextEdits& edits, const HeaderPlaces& places)
      : context_(context),
        headers_(context, search, preprocessed.computed_includes(), places.project_root,
                 places.directory, places.preamble_cache),
        edits_(edits),
        preprocessed_(preprocessed),
        by_content_(places.by_content) {
    for (clang::FileID file : headers_.copyable()) edits_.allow_file(file);
  }

  // Instruments every function of the headers that can be, adding it to
  // `functions`, and lists the others in `skipped` with their reason.
  // `dependence` says which of them the compiler may not see as parsed
  // (Findings::compiler_dependence).
  void instrument(std::vector<InstrumentedFunction>& functions,
                  std::vector<SkippedFunction>& skipped, const Findings& found);

  // `body`, the edited text of the file (`original` is its path), with the
  // copies of its headers included in their place; the copies, with their
  // edits from `rewriter`, go into `copies`. Call once, after all edits.
  std::string include_copies(const std::string& body, llvm::StringRef original,
                             const clang::Rewriter& rewriter, std::vector<ShadowHeader>& copies);

  // Patch mode: the functions of the header at `path` (its real path) are
  // carried, a patch of that header: their bodies are the patch's code,
  // with no trampoline, listed in carried_table(); given the header's code,
  // `choose` names the ids of those to carry (the others stay as the
  // build's: through their slots to what runs now), or nullopt for all.
  // Call before instrument().
  using Choice =
      std::function<std::optional<std::set<std::string>>(const std::vector<CodeFingerprint>&)>;
  void carry(std::string path, Choice choose) {
    carried_path_ = std::move(path);
    choose_carried_ = std::move(choose);
  }
  // The carried header's unit (its functions, their pieces), or null when
  // this file does not instrument it.
  UnitTable* carried_table();
  const std::vector<const clang::FunctionDecl*>& carried() const { return carried_; }
  const std::vector<CodeFingerprint>& carried_code() const;
  // Why the carried header's new code cannot all go live, or "".
  const std::string& carry_problem() const { return carry_problem_; }

  // Each header's pieces, by its project file.
  std::map<std::string, std::vector<CodeFingerprint>> code_by_header() const;

  // The registration of each header's functions.
  std::string epilogue() const;
  // The definitions of their slots, for the file's prologue; a patch's
  // with `module` (UnitTable::header_slot_definitions).
  std::string slot_definitions(ModuleSlots* module = nullptr) const;

 private:
  struct Unit {
    Unit(clang::ASTContext& context, TextEdits& edits, const std::string& path,
         const std::string& project_file, const std::string& prefix)
        : naming(context, project_file),
          table(UnitTable::for_header(naming, path, project_file, prefix)),
          editor(naming, edits, table) {}
    Naming naming;
    UnitTable table;
    Editor editor;
    std::vector<HeaderBody> bodies;
    std::vector<CodeFingerprint> code;  // fingerprint_header()
  };

  Unit& unit_for(clang::FileID file);
  void carry_template(const clang::FunctionDecl& pattern, unsigned line, const Naming& naming);
  void carry_body(const clang::CXXMethodDecl& function, unsigned line, const Naming& naming);

  clang::ASTContext& context_;
  HeaderShadows headers_;
  SharedSpecifiers specifiers_;
  TextEdits& edits_;
  const MacroTokens& preprocessed_;
  bool by_content_;
  std::map<clang::FileID, std::unique_ptr<Unit>> units_;
  std::string carried_path_;
  Choice choose_carried_;
  std::optional<UnitTable> carried_table_;  // the manifest's: carried functions only
  std::optional<clang::FileID> carried_file_;
  std::vector<const clang::FunctionDecl*> carried_;
  std::set<const clang::CXXRecordDecl*> befriended_;
  std::string carry_problem_;
};

}  // namespace softpatch::rewriter

#endif  // SOFTPATCH_REWRITER_HEADER_UNITS_H
