// Lifecycle hooks, for code in a patch: run something when the patch takes
// effect, and undo it before the patch goes (rolled back, or superseded by a
// later patch of the same file). Register them from a static initialiser of
// the patched file:
//
//   static const bool hooks = [] {
//     softpatch::on_applied([] { server().reload_routes(); });
//     softpatch::on_removed([] { server().drop_new_routes(); });
//     return true;
//   }();
//
// "removed" hooks run last-registered first: before a rollback switches the
// patch out, and, when a later patch of the same file supersedes it, right
// after that patch is switched in (before its own "applied" hooks). A hook
// that throws does not stop the others; its message is reported with the
// patch (softpatch patch prints it). Calls outside a patch being loaded are
// ignored.
#ifndef SOFTPATCH_PATCH_HOOKS_H
#define SOFTPATCH_PATCH_HOOKS_H

namespace softpatch {

using PatchHook = void (*)();

void on_applied(PatchHook hook);
void on_removed(PatchHook hook);

}  // namespace softpatch

#endif  // SOFTPATCH_PATCH_HOOKS_H
