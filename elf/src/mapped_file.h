// A regular file mapped read-only for the life of the object: the ELF
// readers look at files in place rather than reading them whole.
#ifndef SOFTPATCH_ELF_MAPPED_FILE_H
#define SOFTPATCH_ELF_MAPPED_FILE_H

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <string>

namespace softpatch::elf {

class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat info {};
    if (fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && info.st_size > 0) {
      void* image =
          mmap(nullptr, static_cast<std::size_t>(info.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
      if (image != MAP_FAILED) {
        data_ = static_cast<const char*>(image);
        size_ = static_cast<std::size_t>(info.st_size);
      }
    }
    close(fd);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile() {
    if (data_) munmap(const_cast<char*>(data_), size_);
  }

  // Null when the file could not be mapped (missing, empty, not regular).
  const char* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  const char* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace softpatch::elf

#endif  // SOFTPATCH_ELF_MAPPED_FILE_H
