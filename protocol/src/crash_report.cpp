#include "softpatch/protocol/crash_report.h"

#include "softpatch/protocol/agent_protocol.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <optional>

namespace softpatch::protocol {
namespace {

// --- Writing: system calls only, no allocation ---

// A line being put together on the stack.
class Line {
 public:
  void add(const char* text) {
    while (*text && size_ < sizeof text_) text_[size_++] = *text++;
    fits_ = fits_ && !*text;
  }
  void add_number(std::uint64_t value, unsigned base) {
    char digits[24];
    int n = 0;
    do {
      digits[n++] = "0123456789abcdef"[value % base];
      value /= base;
    } while (value);
    if (base == 16) add("0x");
    while (n > 0) {
      char one[2] = {digits[--n], 0};
      add(one);
    }
  }
  // `text` as a field of the agent protocol (encode_field, not last): a
  // space, `%`, DEL and control characters as %XX, "" as a lone `%`.
  void add_field(const char* text) {
    if (!*text) return add("%");
    for (; *text; ++text) {
      auto byte = static_cast<unsigned char>(*text);
      if (byte < 0x20 || byte == 0x7f || byte == '%' || byte == ' ') {
        char escaped[4] = {'%', "0123456789ABCDEF"[byte >> 4], "0123456789ABCDEF"[byte & 15], 0};
        add(escaped);
      } else {
        char one[2] = {*text, 0};
        add(one);
      }
    }
  }
  void write_to(int fd) {
    if (!fits_ || size_ == sizeof text_) return;
    text_[size_++] = '\n';
    for (std::size_t done = 0; done < size_;) {
      ssize_t n = write(fd, text_ + done, size_ - done);
      if (n <= 0) return;
      done += static_cast<std::size_t>(n);
    }
  }

 private:
  char text_[4096];
  std::size_t size_ = 0;
  bool fits_ = true;
};

void copy_memory_map(int fd) {
  int maps = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (maps < 0) return;
  char buffer[4096];
  for (ssize_t n; (n = read(maps, buffer, sizeof buffer)) > 0;)
    if (write(fd, buffer, static_cast<std::size_t>(n)) != n) break;
  close(maps);
}

// --- Reading ---

std::optional<std::uint64_t> number_of(std::string_view text, int base) {
  if (base == 16 && text.substr(0, 2) == "0x") text.remove_prefix(2);
  if (text.empty() || text.size() > 16) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : 99;
    if (digit >= base) return std::nullopt;
    value = value * static_cast<unsigned>(base) + static_cast<unsigned>(digit);
  }
  return value;
}

// The next space-separated word of `text`, taken off it.
std::string_view word(std::string_view& text) {
  std::size_t start = text.find_first_not_of(' ');
  if (start == std::string_view::npos) {
    text = {};
    return {};
  }
  text.remove_prefix(start);
  std::size_t end = std::min(text.find(' '), text.size());
  std::string_view out = text.substr(0, end);
  text.remove_prefix(end);
  return out;
}

// "start-end perms offset dev inode   path"; nothing for a line that maps no
// file (anonymous memory, [stack], ...).
std::optional<CrashReport::Mapping> mapping_of_line(std::string_view line) {
  std::string_view range = word(line), perms = word(line), offset = word(line);
  word(line);  // device
  std::string_view inode = word(line);
  std::size_t path = line.find_first_not_of(' ');
  if (path == std::string_view::npos || line[path] != '/' || perms.size() < 4) return std::nullopt;
  std::size_t dash = range.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  std::optional<std::uint64_t> start = number_of(range.substr(0, dash), 16),
                               end = number_of(range.substr(dash + 1), 16),
                               at = number_of(offset, 16), node = number_of(inode, 10);
  if (!start || !end || !at || !node) return std::nullopt;
  std::string file(line.substr(path));
  static constexpr std::string_view kDeleted = " (deleted)";
  bool deleted = file.size() >= kDeleted.size() &&
                 file.compare(file.size() - kDeleted.size(), kDeleted.size(), kDeleted) == 0;
  if (deleted) file.erase(file.size() - kDeleted.size());
  return CrashReport::Mapping{*start, *end, *at, std::move(file), *node, deleted};
}

Error bad(const std::string& why) { return Error{"a malformed crash report (" + why + ")"}; }

}  // namespace

void write_crash_report(int fd, int signal, void* const* frames, int frame_count,
                        const LoadedPatchNote* patches, int patch_count) {
  Line pid;
  pid.add("pid ");
  pid.add_number(static_cast<std::uint64_t>(getpid()), 10);
  pid.write_to(fd);
  Line head;
  head.add("signal ");
  head.add_number(static_cast<std::uint64_t>(signal), 10);
  head.write_to(fd);
  for (int i = 0; i < frame_count; ++i) {
    Line frame;
    frame.add("frame ");
    frame.add_number(reinterpret_cast<std::uintptr_t>(frames[i]), 16);
    frame.write_to(fd);
  }
  for (int i = 0; i < patch_count; ++i) {
    const LoadedPatchNote& patch = patches[i];
    if (!patch.project_file || !patch.loaded_path) continue;
    Line line;
    line.add("patch ");
    line.add_number(static_cast<std::uint64_t>(patch.number), 10);
    line.add(" ");
    line.add_field(patch.project_file);
    line.add(" ");
    line.add_field(patch.loaded_path);
    line.write_to(fd);
  }
  Line maps;
  maps.add("maps");
  maps.write_to(fd);
  copy_memory_map(fd);
}

Result<CrashReport> parse_crash_report(std::string_view text) {
  CrashReport report;
  bool in_maps = false, signal = false;
  while (!text.empty()) {
    std::size_t end = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    if (in_maps) {
      if (std::optional<CrashReport::Mapping> mapping = mapping_of_line(line))
        report.mappings.push_back(std::move(*mapping));
      continue;
    }
    std::string_view tag = word(line);
    std::string_view first = word(line);
    if (tag == "pid") {
      std::optional<std::uint64_t> pid = number_of(first, 10);
      if (!pid || *pid == 0 || *pid > INT_MAX || !line.empty()) return bad("its pid");
      report.pid = static_cast<int>(*pid);
    } else if (tag == "signal") {
      std::optional<std::uint64_t> number = number_of(first, 10);
      if (!number || *number == 0 || *number > 64 || !line.empty()) return bad("its signal");
      report.signal = static_cast<int>(*number);
      signal = true;
    } else if (tag == "frame") {
      std::optional<std::uint64_t> address = number_of(first, 16);
      if (!address || !line.empty()) return bad("a frame");
      report.frames.push_back(*address);
    } else if (tag == "patch") {
      std::optional<std::uint64_t> number = number_of(first, 10);
      std::string_view file_field = word(line), path_field = word(line);
      Result<std::string> file = decode_field(file_field, false);
      Result<std::string> path = decode_field(path_field, false);
      bool whole = number && *number > 0 && *number <= INT_MAX && !file_field.empty() &&
                   !path_field.empty() && file && path && line.empty();
      if (!file) file.ignore();
      if (!path) path.ignore();
      if (!whole) return bad("a patch");
      report.patches.push_back({static_cast<int>(*number), std::move(*file), std::move(*path)});
    } else if (tag == "maps" && first.empty()) {
      in_maps = true;
    } else {
      return bad("a line '" + std::string(tag.substr(0, 20)) + "'");
    }
  }
  if (!signal) return bad("no signal");
  return report;
}

const CrashReport::Mapping* CrashReport::mapping_of(std::uint64_t address) const {
  for (const Mapping& m : mappings)
    if (address >= m.start && address < m.end) return &m;
  return nullptr;
}

const CrashReport::Patch* CrashReport::patch_loaded_from(std::string_view path) const {
  for (const Patch& p : patches)
    if (p.loaded_path == path) return &p;
  return nullptr;
}

}  // namespace softpatch::protocol
