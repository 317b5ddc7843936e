// Machinery behind the trampolines that softpatch-rewrite inserts. Nothing in
// here is meant to be written by hand: the rewriter emits the declarations, and
// softpatch/registry.h is the interface people use.
//
// This header is included at the top of every instrumented file, before the
// file's own first line, so it includes nothing (a file that defines
// _GNU_SOURCE before its first #include must still see it first), and it is
// valid C++11, for files compiled with an older -std than softpatch itself.
#ifndef SOFTPATCH_INTERNAL_SLOT_H
#define SOFTPATCH_INTERNAL_SLOT_H

namespace softpatch {
namespace internal {

// The type slots store: every function pointer converts to and from it without
// warnings (-Wcast-function-type treats void(*)() as matching everything).
using RawFunction = void (*)();

// One per instrumented function. Constant-initialised to null, so a trampoline
// works even while static initialisers of other files are still running.
// A non-null target replaces the function: free functions are called with
// their own parameters, methods with the object pointer first.
struct Slot {
  RawFunction target;

  RawFunction current() const noexcept { return __atomic_load_n(&target, __ATOMIC_ACQUIRE); }
  // Sets the target and returns the previous one.
  RawFunction exchange(RawFunction next) noexcept {
    return __atomic_exchange_n(&target, next, __ATOMIC_ACQ_REL);
  }
  // Sets the target to `next` if it is `expected`; returns whether it was.
  bool replace(RawFunction expected, RawFunction next) noexcept {
    return __atomic_compare_exchange_n(&target, &expected, next, false, __ATOMIC_ACQ_REL,
                                       __ATOMIC_ACQUIRE);
  }
};

// What kind of function a slot belongs to; bits of FunctionRecord::flags.
enum FunctionFlags : unsigned {
  kMethod = 1u << 0,             // non-static member: target takes the object first
  kStaticMember = 1u << 1,       // static member function
  kVirtual = 1u << 2,            // virtual member function
  kInternalLinkage = 1u << 3,    // not visible outside its file (`static`, anonymous namespace)
  kExternC = 1u << 4,            // extern "C"
  kNoexcept = 1u << 5,           // replacements must not throw either
  kNoreturn = 1u << 6,           // [[noreturn]]: replacements must not return
  kConstructor = 1u << 7,        // a constructor's body: the object exists, its members are made
  kDestructor = 1u << 8,         // a destructor's body: its members are destroyed after it
  kFileInstantiation = 1u << 9,  // made implicitly for this file's calls from a template
                                 // only this file declares: no other file calls it
  kInstantiation = 1u << 10,     // of a template: a patch carries the template's code, or
                                 // sends the slot back to the build's, never calls this copy
  kLambda = 1u << 11,            // a lambda's body: the target takes the closure first (one
                                 // that holds nothing), and has no address of its own
  kOwnCopy = 1u << 12,           // hidden in its module (-fvisibility=hidden, an attribute):
                                 // the module runs a copy of its own, with its own static
                                 // locals and inline variables
};

// Static description of one instrumented function, emitted by the rewriter
// into a constant table at the end of the rewritten file.
struct FunctionRecord {
  Slot* slot;
  const char* id;    // Itanium-mangled; "<file>:" prefix for internal linkage
  const char* name;  // readable, e.g. "ns::Counter::add(int) const"
  const char*
      signature;   // canonical type of the slot target, e.g. "int (const ns::Counter *, int)"
  unsigned line;   // line of the function's name in TranslationUnit::file
  unsigned flags;  // FunctionFlags
  RawFunction (*address)();  // the function's address; null when it cannot be named here
};

// A mutable internal-linkage variable of an instrumented file (file `static`
// or anonymous namespace). Patches bind to these instead of making new copies.
struct VariableRecord {
  const char* name;    // qualified, e.g. "(anonymous namespace)::cache"
  const char* type;    // canonical type, e.g. "std::vector<int>"
  void* (*address)();  // for thread_local variables, the calling thread's instance
  bool is_thread_local;
};

// The layout of a class as a file saw it: size, alignment, fields, bases and
// virtual functions, condensed. A patch whose file sees a class differently
// is refused (its code would misread the program's objects).
struct LayoutRecord {
  const char* name;         // qualified class name
  const char* fingerprint;  // e.g. "size 16 align 8 | int a @0 | ... | virtual f()"
};

// One piece of the file's code as it was compiled (a function, a variable's
// initialiser, ...), so that an edit can be compared with the code that
// runs: softpatch/changes/code_fingerprint.h says what the fields mean.
struct FingerprintRecord {
  const char* kind;    // a CodeKind word: "function", "constructor", ...
  const char* key;     // stable id of the piece
  const char* name;    // readable
  const char* detail;  // why an "unpatchable" piece is, else ""
  const char* hash;    // 16 lowercase hex digits
};

// The shape of TranslationUnit below. Raise it whenever a field of it (or of
// a record it points to) is added, removed or changes meaning: the runtime
// ignores a unit of another version, a file instrumented by another
// softpatch, with a warning, instead of misreading it. The three shapes
// before versions count as 1 to 3.
enum : unsigned { kUnitVersion = 4 };

// Everything one instrumented translation unit contributes. Lives in static
// storage of that unit and doubles as the node of the registry's intrusive
// list, so registering allocates nothing.
struct TranslationUnit {
  // These three keep their place and type in every version, so that any
  // runtime can tell a unit it cannot read, and name its file. The version
  // is a whole word: a unit from before versions begins with its `file`
  // pointer there, which is never a small number.
  decltype(sizeof 0) version;  // kUnitVersion
  const char* file;            // the source path as compiled
  const char* project_file;    // relative to the project root; prefixes internal ids
  const FunctionRecord* functions;
  decltype(sizeof 0) function_count;
  const VariableRecord* variables;
  decltype(sizeof 0) variable_count;
  const LayoutRecord* layouts;
  decltype(sizeof 0) layout_count;
  const FingerprintRecord* fingerprints;
  decltype(sizeof 0) fingerprint_count;
  TranslationUnit* prev;
  TranslationUnit* next;
};

// The next time the calling thread enters the function of `slot`, it runs
// the function's own code, whatever the slot holds (once): how a mock or a
// spy calls the original.
void bypass_once(const Slot& slot) noexcept;

// When the calling thread's mock of a constructor's or destructor's body
// returns to the trampoline of `object`'s, the body runs (once): how a spy
// of one calls the original.
void resume_body_once(const void* object) noexcept;

// Adds/removes a unit. Safe before main, from several threads, and from
// libraries being dlopen'ed or dlclose'd; never allocates. A unit of another
// version is left out (one line on stderr names its file): its functions run
// their own code, unpatched, and nothing of it is read past its first fields.
void register_unit(TranslationUnit* unit) noexcept;
void unregister_unit(TranslationUnit* unit) noexcept;

// A static object of this type at the end of each rewritten file registers the
// unit during static initialisation and unregisters it at unload.
class UnitRegistration {
 public:
  explicit UnitRegistration(TranslationUnit& unit) noexcept : unit_(&unit) { register_unit(unit_); }
  ~UnitRegistration() { unregister_unit(unit_); }
  UnitRegistration(const UnitRegistration&) = delete;
  UnitRegistration& operator=(const UnitRegistration&) = delete;

 private:
  TranslationUnit* unit_;
};

}  // namespace internal
}  // namespace softpatch

#endif  // SOFTPATCH_INTERNAL_SLOT_H
