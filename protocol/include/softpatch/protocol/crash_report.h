// The report a program's agent leaves when the program dies from a fatal
// signal under `softpatch run`: the crashing thread's frames, the patches
// loaded and the program's memory map, for `softpatch run` to name the
// functions (the program itself cannot safely: it is crashing). Defined
// once, written by the loader's signal handler, read by the dev loop.
//
//   // in the program, inside the handler: system calls only
//   softpatch::protocol::write_crash_report(fd, signal, frames, count, patches, patch_count);
//   // in softpatch run, once the program is gone
//   Result<CrashReport> report = softpatch::protocol::parse_crash_report(text);
//
// The text is lines: `pid <n>` (of the process that wrote it: processes it
// forks inherit the file's name), `signal <n>`, then `frame <hex address>`
// from the innermost frame out (the first is where the signal struck, the
// others return addresses), then `patch <n> <project file> <loaded path>`
// for each patch loaded (the two paths as fields of the agent protocol:
// spaces and control characters %XX-escaped), then `maps` and the program's
// /proc/self/maps to the end.
#ifndef SOFTPATCH_PROTOCOL_CRASH_REPORT_H
#define SOFTPATCH_PROTOCOL_CRASH_REPORT_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "softpatch/result.h"

namespace softpatch::protocol {

// The environment variable naming the file a program's agent writes its
// crash report to (set by `softpatch run`); no report without it.
inline constexpr const char kCrashReportVariable[] = "SOFTPATCH_CRASH_REPORT";

// A patch as the crash handler knows it: the file it replaces and the file
// the program opened it from.
struct LoadedPatchNote {
  int number = 0;
  const char* project_file = nullptr;
  const char* loaded_path = nullptr;
};

// Writes the report to `fd` with system calls alone (write, and open, read
// and close of /proc/self/maps; no allocation, no lock: safe in a signal
// handler). A patch whose names do not fit in 4 KiB is left out.
void write_crash_report(int fd, int signal, void* const* frames, int frame_count,
                        const LoadedPatchNote* patches, int patch_count);

struct CrashReport {
  struct Patch {
    int number = 0;
    std::string project_file, loaded_path;
  };
  // One line of /proc/self/maps that maps a file.
  struct Mapping {
    std::uint64_t start = 0, end = 0, file_offset = 0;
    std::string path;
    std::uint64_t inode = 0;
    bool deleted = false;  // the file at `path` was replaced or removed while it ran
  };
  int pid = 0;  // 0 when the report does not say
  int signal = 0;
  std::vector<std::uint64_t> frames;  // innermost first
  std::vector<Patch> patches;
  std::vector<Mapping> mappings;

  // The mapping holding `address`, or null.
  const Mapping* mapping_of(std::uint64_t address) const;
  // The patch loaded from `path`, or null.
  const Patch* patch_loaded_from(std::string_view path) const;
};

// Parses a report; an error names what is wrong with it.
Result<CrashReport> parse_crash_report(std::string_view text);

}  // namespace softpatch::protocol

#endif  // SOFTPATCH_PROTOCOL_CRASH_REPORT_H
