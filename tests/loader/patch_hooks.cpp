// answer() says 44, and the patch registers lifecycle hooks, one of which throws.
#include <stdexcept>

#include "patch_template.h"
#include "softpatch/patch_hooks.h"

extern "C" char hook_log[64];  // in loader_test.cpp

static void log(char c) { hook_log[std::strlen(hook_log)] = c; }

static const bool hooks = [] {
  softpatch::on_applied([] { log('A'); });
  softpatch::on_applied([] { throw std::runtime_error("applied hook failed"); });
  softpatch::on_removed([] { log('1'); });
  softpatch::on_removed([] { log('2'); });
  return true;
}();

int answer() { return 44; }

static const softpatch::internal::PatchFunction functions[] = {{"_Z6answerv", "int ()", nullptr}};
SOFTPATCH_TEST_MANIFEST(functions)
