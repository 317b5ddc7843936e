// The crash report: when `softpatch run` asks for one (SOFTPATCH_CRASH_REPORT),
// a fatal signal leaves the crashing thread's frames, the patches loaded and
// the memory map in that file, then goes on as it would have (the previous
// handler, or the default action). softpatch run names the frames.
#ifndef SOFTPATCH_LOADER_CRASH_HANDLER_H
#define SOFTPATCH_LOADER_CRASH_HANDLER_H

#include <string>

namespace softpatch {

// Installs the handlers for SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGABRT when
// the environment names a report file; once per process.
void install_crash_report();

// Tells the handler about patch `number` of `project_file`, opened from
// `loaded_path` (so that the frames in it are named by it). Not thread-safe:
// called under the loader's lock.
void note_loaded_patch(int number, const std::string& project_file, const std::string& loaded_path);

}  // namespace softpatch

#endif  // SOFTPATCH_LOADER_CRASH_HANDLER_H
