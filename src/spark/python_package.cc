#include "spark/python_package.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include "base/strings.h"
#include "env/layer_archive.h"
#include "index/sha256.h"
#include "spark/python_sources.h"

namespace sparkenv::spark {

namespace fs = std::filesystem;

namespace {

std::string RandomSuffix() {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));  // NOLINT
  return buf;
}

Status WriteTree(const fs::path& root) {
  for (const EmbeddedFile& file : PythonSources()) {
    Status s = WriteFileAtomically((root / std::string(file.path)).string(), file.data);
    if (!s.ok()) return s;
  }
  return Status();
}

}  // namespace

std::string PythonSourcesHash() {
  std::string text;
  for (const EmbeddedFile& file : PythonSources()) {
    text += file.path;
    text += '\0';
    text += index::Sha256Hex(file.data);
    text += '\0';
  }
  return index::Sha256Hex(text);
}

Status WriteFileAtomically(const std::string& path, std::string_view data, int mode) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) {
    return Error(
        "cannot create " + Quote(fs::path(path).parent_path().string()) + ": " + ec.message(),
        ErrorKind::kIo);
  }
  const std::string tmp = path + ".tmp." + std::to_string(getpid()) + "." + RandomSuffix();
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    return Error("cannot write " + Quote(tmp) + ": " + std::strerror(errno), ErrorKind::kIo);
  }
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = std::strerror(errno);
      close(fd);
      unlink(tmp.c_str());
      return Error("cannot write " + Quote(tmp) + ": " + why, ErrorKind::kIo);
    }
    done += static_cast<size_t>(n);
  }
  // The umask applied to open(): set the bits asked for.
  fchmod(fd, static_cast<mode_t>(mode));
  if (close(fd) != 0 || rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    unlink(tmp.c_str());
    return Error("cannot write " + Quote(path) + ": " + why, ErrorKind::kIo);
  }
  return Status();
}

Status WritePythonPackage(const std::string& dir) {
  const fs::path root(dir);
  Status s = WriteTree(root);
  if (!s.ok()) return s;
  std::string entry;
  for (const EmbeddedFile& file : PythonSources()) {
    if (file.path == "sparkenv/activate_env.py") entry = std::string(file.data);
  }
  s = WriteFileAtomically((root / "activate_env.py").string(), entry, 0755);
  if (!s.ok()) return s;
  // The zip holds sparkenv/ only: pack a folder made of exactly that.
  const fs::path staging = root / (".sparkenv-zip." + RandomSuffix());
  s = WriteTree(staging);
  if (s.ok()) {
    const std::string tmp = (root / "sparkenv.zip").string() + ".tmp." + RandomSuffix();
    auto packed = env::PackDirectory(staging.string(), tmp, env::ArchiveFormat::kZip);
    if (!packed.ok()) {
      s = packed.error();
      fs::remove(tmp);
    } else if (rename(tmp.c_str(), (root / "sparkenv.zip").c_str()) != 0) {
      s = Error(
          "cannot write " + Quote((root / "sparkenv.zip").string()) + ": " + std::strerror(errno),
          ErrorKind::kIo);
      fs::remove(tmp);
    }
  }
  std::error_code ec;
  fs::remove_all(staging, ec);
  return s;
}

}  // namespace sparkenv::spark
