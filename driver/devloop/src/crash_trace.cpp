#include "softpatch/devloop/crash_trace.h"

#include <sys/stat.h>

#include <cxxabi.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include "softpatch/elf/symbols.h"

namespace softpatch::driver {
namespace {

// The readable name, with std::string spelled as people write it.
std::string demangled(const std::string& name) {
  int status = 0;
  char* readable = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
  if (status != 0 || !readable) return name;
  std::string out = readable;
  std::free(readable);
  static const std::string kString =
      "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >";
  for (std::size_t at; (at = out.find(kString)) != std::string::npos;)
    out.replace(at, kString.size(), "std::string");
  return out;
}

// A frame of softpatch's own machinery: the trampoline that calls a
// function's current code (its names are reserved: __softpatch_...).
bool is_machinery(const std::string& function) {
  return function.find("__softpatch") != std::string::npos;
}

std::string hex(std::uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(value));
  return text;
}

std::string base_name(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// The function holding `address` (demangled) and the offset into it, or
// nothing. A return address is looked up one byte back: the call it returns
// from may be the last instruction of its function.
// Whether the file at the mapping's path is still the one that was mapped:
// a program rebuilt since it crashed must not have its frames named from
// the new file.
bool still_mapped_file(const protocol::CrashReport::Mapping& mapping) {
  struct stat now {};
  return !mapping.deleted && stat(mapping.path.c_str(), &now) == 0 &&
         static_cast<std::uint64_t>(now.st_ino) == mapping.inode;
}

std::optional<elf::FunctionAt> function_of(const protocol::CrashReport::Mapping* mapping,
                                           std::uint64_t address, bool return_address) {
  if (!mapping || !still_mapped_file(*mapping)) return std::nullopt;
  std::uint64_t looked_up = return_address && address > mapping->start ? address - 1 : address;
  std::optional<elf::FunctionAt> function =
      elf::function_at(mapping->path, looked_up - mapping->start + mapping->file_offset);
  if (!function) return std::nullopt;
  return elf::FunctionAt{demangled(function->name), function->offset + (address - looked_up)};
}

}  // namespace

CrashTrace trace_of(const protocol::CrashReport& report) {
  CrashTrace trace;
  trace.pid = report.pid;
  trace.signal = report.signal;
  std::string patched_function;  // of the frame just named, when it ran in a patch
  for (std::size_t i = 0; i < report.frames.size(); ++i) {
    std::uint64_t address = report.frames[i];
    const protocol::CrashReport::Mapping* mapping = report.mapping_of(address);
    std::optional<elf::FunctionAt> function = function_of(mapping, address, i > 0);
    if (function && is_machinery(function->name)) continue;
    const protocol::CrashReport::Patch* patch =
        mapping ? report.patch_loaded_from(mapping->path) : nullptr;
    // The build's entry of a patched function, which passed the call on.
    if (function && !patch && function->name == patched_function) continue;
    patched_function = patch && function ? function->name : "";
    std::string where = mapping ? base_name(mapping->path) : "?";
    if (mapping && !still_mapped_file(*mapping)) where += ", rebuilt since";
    if (patch) {
      where = "patch " + std::to_string(patch->number) + ", " + patch->project_file;
      std::pair<int, std::string> in_patch{patch->number, patch->project_file};
      bool known = false;
      for (const auto& seen : trace.patches) known = known || seen == in_patch;
      if (!known) trace.patches.push_back(in_patch);
    }
    std::string name = function ? function->name + "+" + hex(function->offset) : hex(address);
    trace.frames.push_back("  #" + std::to_string(trace.frames.size()) + " " + name + " (" + where +
                           ")");
  }
  return trace;
}

Result<CrashTrace> read_crash_trace(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error{path + ": no crash report"};
  std::stringstream text;
  text << in.rdbuf();
  Result<protocol::CrashReport> report = protocol::parse_crash_report(text.str());
  if (!report) return Error{path + ": " + report.error()};
  return trace_of(*report);
}

}  // namespace softpatch::driver
