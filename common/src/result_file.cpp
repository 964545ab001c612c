#include "throng/common/result_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace throng {

namespace {

std::string directory_of(const std::string& path) {
  const std::string dir = std::filesystem::path(path).parent_path().string();
  return dir.empty() ? "." : dir;
}

std::string reason(int error) { return std::strerror(error); }

// A symlink (e.g. /dev/stdout), device or pipe is written where it is, never
// replaced; only a regular file or a new name goes through a rename.
bool written_in_place(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return false;
  return !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

std::string write_all(int fd, std::string_view content) {
  while (!content.empty()) {
    const ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return reason(errno);
    content.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

}  // namespace

std::string result_path_problem(const std::string& path) {
  if (path.empty()) return "no file name given";
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return path + " is a directory; give a file name";
  if (written_in_place(path)) {
    if (::access(path.c_str(), W_OK) != 0) return "cannot write " + path + ": " + reason(errno);
    return {};
  }
  const std::string dir = directory_of(path);
  const std::string probe = dir + "/.throng-probe." + std::to_string(::getpid());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return "cannot create files in " + dir + ": " + reason(errno);
  ::close(fd);
  ::unlink(probe.c_str());
  return {};
}

std::string write_result_file(const std::string& path, std::string_view content) {
  if (written_in_place(path)) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) return "cannot write " + path + ": " + reason(errno);
    std::string failed = write_all(fd, content);
    if (::close(fd) != 0 && failed.empty()) failed = reason(errno);
    return failed.empty() ? failed : "cannot write " + path + ": " + failed;
  }
  const std::string partial = path + ".partial." + std::to_string(::getpid());
  const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return "cannot write " + path + ": " + reason(errno);
  // A full disk shows at write, at fsync or at close: each is checked.
  std::string failed = write_all(fd, content);
  if (failed.empty() && ::fsync(fd) != 0) failed = reason(errno);
  if (::close(fd) != 0 && failed.empty()) failed = reason(errno);
  if (failed.empty() && std::rename(partial.c_str(), path.c_str()) != 0) failed = reason(errno);
  if (failed.empty()) return {};
  ::unlink(partial.c_str());
  return "cannot write " + path + ": " + failed;
}

}  // namespace throng
