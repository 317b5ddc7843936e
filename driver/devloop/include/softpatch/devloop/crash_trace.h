// What `softpatch run` says of a program that died from a signal: the
// crashing thread's frames named from the crash report its agent left
// (softpatch/protocol/crash_report.h), and which patches the crash is in.
//
//   Result<CrashTrace> trace = read_crash_trace(report_path);
//   for (const std::string& frame : trace->frames) say(frame);  // "  #0 greet(...)+0x1c (patch 1,
//   src/a.cpp)"
#ifndef SOFTPATCH_DEVLOOP_CRASH_TRACE_H
#define SOFTPATCH_DEVLOOP_CRASH_TRACE_H

#include <string>
#include <utility>
#include <vector>

#include "softpatch/protocol/crash_report.h"
#include "softpatch/result.h"

namespace softpatch::driver {

struct CrashTrace {
  int pid = 0;  // of the process that wrote the report (0: not said)
  int signal = 0;
  // One line per frame, innermost first: "  #0 greet(std::string const&)+0x1c
  // (patch 1, src/greet.cpp)", "  #1 main+0x4b (app)", "  #2 0x7f3a1c029d90
  // (libc.so.6)" when no symbol names it.
  std::vector<std::string> frames;
  // The patches that frames are in, innermost first, each once:
  // {number, project file}.
  std::vector<std::pair<int, std::string>> patches;
};

// Names the frames of `report`. Read it while the files it names are there
// (before the agent directory of the dead program is swept).
CrashTrace trace_of(const protocol::CrashReport& report);

// Reads and names the report at `path`; an error when there is none or it
// is malformed.
Result<CrashTrace> read_crash_trace(const std::string& path);

}  // namespace softpatch::driver

#endif  // SOFTPATCH_DEVLOOP_CRASH_TRACE_H
