// Atomic whole-file writes: see atomic_file.h.
#include "common/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "common/errors.h"

namespace genvec {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const fs::path& path, const std::string& what) {
  throw IoError(path.string() + ": " + what + " (" + std::strerror(errno) + ")",
                "check that the run directory is writable and its file system not full");
}

void fsync_folder(const fs::path& path) {
  const int dir = ::open(path.parent_path().empty() ? "." : path.parent_path().c_str(),
                         O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

}  // namespace

fs::path temporary_path_for(const fs::path& path) {
  return path.string() + ".tmp." + std::to_string(getpid());
}

void publish_file_atomic(const fs::path& temporary, const fs::path& path) {
  std::error_code ignored;
  const int fd = ::open(temporary.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    fs::remove(temporary, ignored);
    fail(path, "flush failed");
  }
  ::close(fd);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    fs::remove(temporary, ignored);
    fail(path, "rename failed");
  }
  fsync_folder(path);  // the rename is durable only once the folder's entry is on disk
}

void write_file_atomic(const fs::path& path, std::string_view content) {
  std::error_code ignored;
  fs::create_directories(path.parent_path(), ignored);
  const fs::path temporary = temporary_path_for(path);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(path, "cannot create " + temporary.filename().string());
  for (size_t written = 0; written < content.size();) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      fs::remove(temporary, ignored);
      fail(path, "write failed");
    }
    written += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) {
    fs::remove(temporary, ignored);
    fail(path, "close failed");
  }
  publish_file_atomic(temporary, path);
}

}  // namespace genvec
