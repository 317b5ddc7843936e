// What a compiler command line does, as far as softpatch-cc cares: whether it
// compiles exactly one C++ source to an object, and where its outputs go.
//
//   std::optional<CompileJob> job = CompileJob::from_command({"g++", "-c", "a.cpp", "-o", "a.o"});
//   if (!job) pass the command through unchanged;
#ifndef SOFTPATCH_COMPILE_COMPILE_JOB_H
#define SOFTPATCH_COMPILE_COMPILE_JOB_H

#include <optional>
#include <string>
#include <vector>

namespace softpatch::driver {

struct CompileJob {
  std::vector<std::string> command;  // the compiler command, compiler first
  std::size_t source_index = 0;      // command[source_index] is the source
  std::string object;                // the object file written
  bool object_given = false;         // named by -o (else derived from the source)
  std::string depfile;               // the dependency file written, or empty

  const std::string& source() const { return command[source_index]; }
  // Where softpatch-cc writes the copies of the project's headers that the
  // file includes, instrumented: beside the object, a directory no other
  // compile writes.
  std::string header_copies() const { return object + ".softpatch-headers"; }

  // A single-source C++ compile (-c, one C++ input, no -E/-S/-M, no header
  // precompilation); nothing otherwise. @response files are expanded.
  static std::optional<CompileJob> from_command(std::vector<std::string> command);

  // The same command compiling `replacement` in place of the source, writing
  // the same object.
  std::vector<std::string> compiling(const std::string& replacement) const;
};

}  // namespace softpatch::driver

#endif  // SOFTPATCH_COMPILE_COMPILE_JOB_H
