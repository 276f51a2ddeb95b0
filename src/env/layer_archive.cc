#include "env/layer_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include "base/strings.h"
#include "index/sha256.h"
#include "install/wheel_install.h"

namespace sparkenv::env {
namespace {

namespace fs = std::filesystem;

constexpr time_t kFixedMtime = 315532800;  // 1980-01-01T00:00:00Z
constexpr size_t kChunk = 1 << 20;

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveDeleter>;
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};
using EntryPtr = std::unique_ptr<archive_entry, EntryDeleter>;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Error ArchiveError(archive* a, const std::string& context) {
  const char* text = archive_error_string(a);
  return Error(context + ": " + (text != nullptr ? text : "archive error"), ErrorKind::kIo);
}

}  // namespace

Result<PackedLayer> PackDirectory(const std::string& dir, const std::string& archive_path,
                                  ArchiveFormat format) {
  std::vector<fs::path> paths;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    paths.push_back(fs::relative(it->path(), dir));
  }
  if (ec) return Error("cannot list " + Quote(dir) + ": " + ec.message(), ErrorKind::kIo);
  std::sort(paths.begin(), paths.end(), [](const fs::path& a, const fs::path& b) {
    return a.generic_string() < b.generic_string();
  });

  ArchivePtr a(archive_write_new());
  const std::string context = "cannot write " + Quote(archive_path);
  bool ok = true;
  if (format == ArchiveFormat::kZip) {
    ok = archive_write_set_format_zip(a.get()) == ARCHIVE_OK &&
         archive_write_set_format_option(a.get(), "zip", "compression-level", "1") == ARCHIVE_OK;
  } else {
    ok = archive_write_set_format_pax_restricted(a.get()) == ARCHIVE_OK &&
         archive_write_add_filter_gzip(a.get()) == ARCHIVE_OK &&
         archive_write_set_filter_option(a.get(), "gzip", "compression-level", "1") == ARCHIVE_OK &&
         archive_write_set_filter_option(a.get(), "gzip", "timestamp", nullptr) == ARCHIVE_OK;
  }
  if (!ok || archive_write_open_filename(a.get(), archive_path.c_str()) != ARCHIVE_OK) {
    return ArchiveError(a.get(), context);
  }
  std::vector<char> buffer(kChunk);
  for (const fs::path& rel : paths) {
    const fs::path full = fs::path(dir) / rel;
    struct stat st {};
    if (lstat(full.c_str(), &st) != 0) {
      return Error("cannot read " + Quote(full.string()) + ": " + std::strerror(errno),
                   ErrorKind::kIo);
    }
    const bool is_dir = S_ISDIR(st.st_mode);
    if (!is_dir && !S_ISREG(st.st_mode)) {
      return Error("cannot pack " + Quote(full.string()) + ": not a regular file or folder",
                   ErrorKind::kInternal);
    }
    EntryPtr entry(archive_entry_new());
    std::string name = rel.generic_string();
    if (is_dir) name += "/";
    archive_entry_set_pathname_utf8(entry.get(), name.c_str());
    archive_entry_set_filetype(entry.get(), is_dir ? AE_IFDIR : AE_IFREG);
    const bool exec = is_dir || (st.st_mode & 0111) != 0;
    archive_entry_set_perm(entry.get(), exec ? 0755 : 0644);
    archive_entry_set_mtime(entry.get(), kFixedMtime, 0);
    archive_entry_set_uid(entry.get(), 0);
    archive_entry_set_gid(entry.get(), 0);
    archive_entry_set_size(entry.get(), is_dir ? 0 : st.st_size);
    if (archive_write_header(a.get(), entry.get()) != ARCHIVE_OK) {
      return ArchiveError(a.get(), context + " (" + name + ")");
    }
    if (is_dir) continue;
    Fd in(open(full.c_str(), O_RDONLY | O_CLOEXEC));
    if (in.get() < 0) {
      return Error("cannot read " + Quote(full.string()) + ": " + std::strerror(errno),
                   ErrorKind::kIo);
    }
    while (true) {
      ssize_t n = read(in.get(), buffer.data(), buffer.size());
      if (n < 0) {
        return Error("cannot read " + Quote(full.string()) + ": " + std::strerror(errno),
                     ErrorKind::kIo);
      }
      if (n == 0) break;
      if (archive_write_data(a.get(), buffer.data(), static_cast<size_t>(n)) != n) {
        return ArchiveError(a.get(), context + " (" + name + ")");
      }
    }
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) return ArchiveError(a.get(), context);
  auto sha = index::Sha256File(archive_path);
  if (!sha.ok()) return sha.error();
  PackedLayer out;
  out.sha256 = *sha;
  out.size = fs::file_size(archive_path, ec);
  if (ec) return Error(context + ": " + ec.message(), ErrorKind::kIo);
  return out;
}

Status UnpackLayer(const std::string& archive_path, const std::string& dir) {
  ArchivePtr a(archive_read_new());
  archive_read_support_format_tar(a.get());
  archive_read_support_filter_gzip(a.get());
  const std::string context = "cannot unpack " + Quote(archive_path);
  if (archive_read_open_filename(a.get(), archive_path.c_str(), kChunk) != ARCHIVE_OK) {
    return ArchiveError(a.get(), context);
  }
  std::vector<char> buffer(kChunk);
  std::vector<char> existing(kChunk);
  archive_entry* entry = nullptr;
  while (true) {
    int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK) return ArchiveError(a.get(), context);
    const char* raw = archive_entry_pathname_utf8(entry);
    std::string name = raw != nullptr ? raw : "";
    const bool is_dir = archive_entry_filetype(entry) == AE_IFDIR;
    if (is_dir && !name.empty() && name.back() == '/') name.pop_back();
    if (std::string reason = install::UnsafeNameReason(name); !reason.empty()) {
      return Error(context + ": entry " + Quote(name) + ": " + reason, ErrorKind::kInvalidInput);
    }
    if (!is_dir && archive_entry_filetype(entry) != AE_IFREG) {
      return Error(context + ": entry " + Quote(name) + " is not a regular file or folder",
                   ErrorKind::kInvalidInput);
    }
    const fs::path target = fs::path(dir) / name;
    std::error_code ec;
    if (is_dir) {
      fs::create_directories(target, ec);
      if (ec)
        return Error(context + ": " + Quote(target.string()) + ": " + ec.message(), ErrorKind::kIo);
      continue;
    }
    const mode_t mode = (archive_entry_perm(entry) & 0111) != 0 ? 0755 : 0644;
    int fd = open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0 && errno == EEXIST) {
      // Two layers install the same path: allowed only for identical bytes
      // (e.g. an empty namespace __init__.py shipped by several wheels).
      Fd in(open(target.c_str(), O_RDONLY | O_CLOEXEC));
      bool same = in.get() >= 0;
      while (same) {
        la_ssize_t n = archive_read_data(a.get(), buffer.data(), buffer.size());
        if (n < 0) return ArchiveError(a.get(), context);
        ssize_t m = n == 0 ? read(in.get(), existing.data(), 1)
                           : read(in.get(), existing.data(), static_cast<size_t>(n));
        if (n == 0) {
          same = m == 0;
          break;
        }
        same = m == n && std::memcmp(buffer.data(), existing.data(), static_cast<size_t>(n)) == 0;
      }
      if (!same) {
        return Error(context + ": " + Quote(name) +
                         " is also installed, with other content, by an earlier layer",
                     ErrorKind::kInvalidInput);
      }
      continue;
    }
    if (fd < 0) {
      return Error(context + ": " + Quote(target.string()) + ": " + std::strerror(errno),
                   ErrorKind::kIo);
    }
    Fd out(fd);
    while (true) {
      la_ssize_t n = archive_read_data(a.get(), buffer.data(), buffer.size());
      if (n < 0) return ArchiveError(a.get(), context);
      if (n == 0) break;
      const char* p = buffer.data();
      size_t left = static_cast<size_t>(n);
      while (left > 0) {
        ssize_t w = write(out.get(), p, left);
        if (w < 0) {
          return Error(context + ": " + Quote(target.string()) + ": " + std::strerror(errno),
                       ErrorKind::kIo);
        }
        p += w;
        left -= static_cast<size_t>(w);
      }
    }
  }
  return Status();
}

}  // namespace sparkenv::env
