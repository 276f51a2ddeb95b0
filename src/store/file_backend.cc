// The file:// backend: a store in a local (or NFS) folder.
//
//   - Writes go to ROOT/tmp/<basename>.<random>.tmp (created with the final
//     mode, fsync'ed), are verified against WriteOptions::sha256 by reading
//     the temporary file back, and are renamed onto the key; the folder is
//     fsync'ed after the rename. A killed writer leaves at most a file under
//     tmp/, which `gc` removes.
//   - Modes ignore the umask: files 0644 and folders 0755 (world_readable),
//     else 0600/0700. A world-readable write also gives the root's existing
//     ancestors that this user owns the execute bit for group and others
//     (traversal only, never listing), so YARN may localize layers as
//     PUBLIC resources. Existing folders are only ever widened, never
//     narrowed: a --private push into a shared store does not hide it.
//   - No symbolic link below the root is followed (each segment is checked
//     with lstat and files are opened with O_NOFOLLOW), so a store folder
//     crafted with links cannot make sparkenv read or write elsewhere. The
//     root itself may be a link.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <random>
#include <vector>

#include "base/strings.h"
#include "http/url.h"
#include "index/sha256.h"
#include "store/open.h"

namespace sparkenv::store {
namespace {

namespace fs = std::filesystem;

constexpr size_t kChunk = 1 << 20;
// Read() is for tags, manifests and the marker; anything larger is not one.
constexpr uint64_t kMaxReadBytes = 64ull << 20;
constexpr char kTmpFolder[] = "tmp";

std::string RandomHex() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  static const char kHex[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 16; ++i) s += kHex[gen() % 16];
  return s;
}

// What an errno means to a user, and which ErrorKind it is.
Error ErrnoError(const std::string& what, const std::string& path, int err) {
  std::string reason;
  ErrorKind kind = ErrorKind::kIo;
  switch (err) {
    case EACCES:
    case EPERM:
      reason = "permission denied";
      break;
    case ENOSPC:
      reason = "no space left on the device";
      break;
    case EDQUOT:
      reason = "disk quota exceeded";
      break;
    case EROFS:
      reason = "read-only file system";
      break;
    case ENOENT:
      reason = "no such file or folder";
      kind = ErrorKind::kNotFound;
      break;
    case ELOOP:
      reason = "it is a symbolic link, which a store never follows";
      break;
    default:
      reason = std::strerror(err);
      break;
  }
  return Error("cannot " + what + " " + Quote(path) + ": " + reason, kind);
}

// Closes a file descriptor on destruction.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes now; returns the errno of a failed close, else 0.
  int Close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

// Removes a temporary file on destruction unless released.
class TempFile {
 public:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  ~TempFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  void Release() { path_.clear(); }

 private:
  std::string path_;
};

Status WriteAll(int fd, const char* data, size_t size, const std::string& path,
                std::atomic<uint64_t>* counter) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("write", path, errno);
    }
    data += n;
    size -= static_cast<size_t>(n);
    if (counter != nullptr) *counter += static_cast<uint64_t>(n);
  }
  return Status();
}

// Copies everything from `in` to `out`.
Status CopyFd(int in, const std::string& in_path, int out, const std::string& out_path,
              std::atomic<uint64_t>* counter) {
  std::vector<char> buf(kChunk);
  while (true) {
    ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("read", in_path, errno);
    }
    if (n == 0) return Status();
    Status s = WriteAll(out, buf.data(), static_cast<size_t>(n), out_path, counter);
    if (!s.ok()) return s;
  }
}

int64_t MtimeMs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

// Percent-encodes a path for a file:// URL: unreserved characters and '/'
// stay as they are.
std::string EncodePath(std::string_view path) {
  std::string out;
  for (char c : path) {
    if (IsAsciiAlnum(c) || c == '/' || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      static const char kHex[] = "0123456789ABCDEF";
      auto u = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    }
  }
  return out;
}

class FileBackend : public Backend {
 public:
  FileBackend(std::string display, fs::path root)
      : display_(std::move(display)), root_(std::move(root)) {}

  std::string DisplayUrl() const override { return display_; }

  std::string HadoopUrl(std::string_view key) const override {
    return "file://" + EncodePath((root_ / std::string(key)).string());
  }

  Result<std::string> Read(std::string_view key) override {
    auto path = PathOf(key);
    if (!path.ok()) return path.error();
    Fd fd(::open(path->c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (fd.get() < 0) return ErrnoError("read", *path, errno);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return ErrnoError("read", *path, errno);
    if (!S_ISREG(st.st_mode)) {
      return Error("cannot read " + Quote(*path) + ": not a file", ErrorKind::kIo);
    }
    if (static_cast<uint64_t>(st.st_size) > kMaxReadBytes) {
      return Error("cannot read " + Quote(*path) + ": " + std::to_string(st.st_size) +
                       " bytes is too large for a tag, manifest or store marker",
                   ErrorKind::kIo);
    }
    std::string out;
    std::vector<char> buf(kChunk);
    while (true) {
      ssize_t n = ::read(fd.get(), buf.data(), buf.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoError("read", *path, errno);
      }
      if (n == 0) break;
      out.append(buf.data(), static_cast<size_t>(n));
      counters().bytes_received += static_cast<uint64_t>(n);
      if (out.size() > kMaxReadBytes) {
        return Error("cannot read " + Quote(*path) + ": too large for a tag, manifest or marker",
                     ErrorKind::kIo);
      }
    }
    return out;
  }

  Status Download(std::string_view key, const std::string& local_path) override {
    auto path = PathOf(key);
    if (!path.ok()) return path.error();
    Fd in(::open(path->c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (in.get() < 0) return ErrnoError("read", *path, errno);
    struct stat st {};
    if (::fstat(in.get(), &st) != 0) return ErrnoError("read", *path, errno);
    if (!S_ISREG(st.st_mode)) {
      return Error("cannot read " + Quote(*path) + ": not a file", ErrorKind::kIo);
    }
    Fd out(::open(local_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (out.get() < 0) return ErrnoError("write", local_path, errno);
    Status s = CopyFd(in.get(), *path, out.get(), local_path, &counters().bytes_received);
    if (!s.ok()) return s;
    if (int err = out.Close(); err != 0) return ErrnoError("write", local_path, err);
    return Status();
  }

  Result<std::optional<ObjectInfo>> Stat(std::string_view key) override {
    auto path = PathOf(key);
    if (!path.ok()) return path.error();
    struct stat st {};
    if (::lstat(path->c_str(), &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) return std::optional<ObjectInfo>();
      return ErrnoError("look up", *path, errno);
    }
    if (!S_ISREG(st.st_mode)) return std::optional<ObjectInfo>();
    return std::optional<ObjectInfo>(
        ObjectInfo{std::string(key), static_cast<uint64_t>(st.st_size), MtimeMs(st)});
  }

  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override {
    // Walk the deepest folder the prefix names whole, keep keys that match.
    std::string_view dir =
        prefix.substr(0, prefix.rfind('/') == std::string_view::npos ? 0 : prefix.rfind('/'));
    fs::path start = root_;
    if (!dir.empty()) {
      if (!ValidKey(dir)) {
        return Error("invalid store key prefix " + Quote(prefix), ErrorKind::kInternal);
      }
      Status s = CheckNoLinks(dir);
      if (!s.ok()) return s.error();
      start /= std::string(dir);
    }
    std::vector<ObjectInfo> out;
    Status s = Walk(start, dir.empty() ? std::string() : std::string(dir) + "/", prefix, &out);
    if (!s.ok()) return s.error();
    return out;
  }

  Status Upload(const std::string& local_path, std::string_view key,
                const WriteOptions& options) override {
    Fd in(::open(local_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (in.get() < 0) return ErrnoError("read", local_path, errno);
    return WriteObject(key, options, [&](int out, const std::string& out_path) {
      return CopyFd(in.get(), local_path, out, out_path, &counters().bytes_sent);
    });
  }

  Status Write(std::string_view key, std::string_view bytes, const WriteOptions& options) override {
    return WriteObject(key, options, [&](int out, const std::string& out_path) {
      return WriteAll(out, bytes.data(), bytes.size(), out_path, &counters().bytes_sent);
    });
  }

  Status Remove(std::string_view key) override {
    auto path = PathOf(key);
    if (!path.ok()) return path.error();
    if (::unlink(path->c_str()) != 0 && errno != ENOENT && errno != ENOTDIR) {
      return ErrnoError("remove", *path, errno);
    }
    return Status();
  }

 private:
  // The path of a valid key whose folders below the root are no links.
  Result<std::string> PathOf(std::string_view key) const {
    if (!ValidKey(key)) {
      return Error("invalid store key " + Quote(key) + " (a bug in sparkenv)",
                   ErrorKind::kInternal);
    }
    size_t slash = key.rfind('/');
    if (slash != std::string_view::npos) {
      Status s = CheckNoLinks(key.substr(0, slash));
      if (!s.ok()) return s.error();
    }
    return (root_ / std::string(key)).string();
  }

  // Fails when a folder on the way to `dir` (a key prefix) is a link or a
  // file. Missing folders are fine (the object is then missing too).
  Status CheckNoLinks(std::string_view dir) const {
    fs::path p = root_;
    for (const std::string& segment : Split(dir, '/')) {
      p /= segment;
      struct stat st {};
      if (::lstat(p.c_str(), &st) != 0) {
        if (errno == ENOENT) return Status();
        return ErrnoError("look up", p.string(), errno);
      }
      if (S_ISLNK(st.st_mode)) {
        return Error("refusing to follow the symbolic link " + Quote(p.string()) +
                         " inside the store " + Quote(display_),
                     ErrorKind::kIo);
      }
      if (!S_ISDIR(st.st_mode)) return Status();  // the object lookup fails
    }
    return Status();
  }

  Status Walk(const fs::path& dir, const std::string& key_prefix, std::string_view want,
              std::vector<ObjectInfo>* out) const {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) {
      if (errno == ENOENT || errno == ENOTDIR) return Status();
      return ErrnoError("list", dir.string(), errno);
    }
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(std::move(name));
    }
    ::closedir(d);
    for (const std::string& name : names) {
      const std::string key = key_prefix + name;
      // Skip subtrees that cannot hold a matching key.
      const std::string as_folder = key + "/";
      if (!StartsWith(key, want) && !StartsWith(want, as_folder)) continue;
      struct stat st {};
      const fs::path p = dir / name;
      if (::lstat(p.c_str(), &st) != 0) {
        if (errno == ENOENT) continue;  // removed meanwhile
        return ErrnoError("look up", p.string(), errno);
      }
      if (S_ISDIR(st.st_mode)) {
        Status s = Walk(p, as_folder, want, out);
        if (!s.ok()) return s;
      } else if (S_ISREG(st.st_mode) && StartsWith(key, want)) {
        out->push_back(ObjectInfo{key, static_cast<uint64_t>(st.st_size), MtimeMs(st)});
      }
    }
    return Status();
  }

  // Creates `dir` (below the root or the root itself) and the folders on the
  // way with `mode`; widens existing ones this user owns to at least `mode`
  // when world-readable.
  Status EnsureFolder(const fs::path& dir, bool world) {
    const mode_t mode = world ? 0755 : 0700;
    std::vector<fs::path> chain = {root_};
    const fs::path rel = dir.lexically_relative(root_);
    if (rel.empty() || *rel.begin() == "..") {
      return Error("invalid store folder " + Quote(dir.string()) + " (a bug in sparkenv)",
                   ErrorKind::kInternal);
    }
    for (const fs::path& segment : rel) {
      if (segment != ".") chain.push_back(chain.back() / segment);
    }
    for (const fs::path& p : chain) {
      struct stat st {};
      const bool is_root = p == root_;
      // The root may be a link the user chose; stat follows it.
      int rc = is_root ? ::stat(p.c_str(), &st) : ::lstat(p.c_str(), &st);
      if (rc != 0) {
        if (errno != ENOENT) return ErrnoError("create the folder", p.string(), errno);
        if (::mkdir(p.c_str(), mode) != 0 && errno != EEXIST) {
          return ErrnoError("create the folder", p.string(), errno);
        }
        rc = is_root ? ::stat(p.c_str(), &st) : ::lstat(p.c_str(), &st);
        if (rc != 0) return ErrnoError("create the folder", p.string(), errno);
        if (st.st_uid == ::geteuid() && ::chmod(p.c_str(), mode) != 0) {
          return ErrnoError("set the mode of", p.string(), errno);
        }
        continue;
      }
      if (S_ISLNK(st.st_mode)) {
        return Error("refusing to follow the symbolic link " + Quote(p.string()) +
                         " inside the store " + Quote(display_),
                     ErrorKind::kIo);
      }
      if (!S_ISDIR(st.st_mode)) {
        return Error("cannot write into the store " + Quote(display_) + ": " + Quote(p.string()) +
                         " is a file, not a folder",
                     ErrorKind::kIo);
      }
      if (world && st.st_uid == ::geteuid() && (st.st_mode & 0755) != 0755) {
        if (::chmod(p.c_str(), (st.st_mode & 07777) | 0755) != 0) {
          return ErrnoError("set the mode of", p.string(), errno);
        }
      }
    }
    return Status();
  }

  // Creates the root (and its missing parents) once; when world-readable,
  // makes the ancestors this user owns traversable.
  Status EnsureRoot(bool world) {
    std::lock_guard<std::mutex> lock(root_mu_);
    if (world ? root_ready_world_ : root_ready_) return Status();
    std::vector<fs::path> missing;
    for (fs::path p = root_.parent_path(); !p.empty(); p = p.parent_path()) {
      struct stat st {};
      if (::stat(p.c_str(), &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
          return Error("cannot create the store " + Quote(display_) + ": " + Quote(p.string()) +
                           " is a file, not a folder",
                       ErrorKind::kIo);
        }
        if (world && st.st_uid == ::geteuid() && (st.st_mode & 011) != 011) {
          if (::chmod(p.c_str(), (st.st_mode & 07777) | 011) != 0) {
            return ErrnoError("make traversable", p.string(), errno);
          }
        }
      } else if (errno == ENOENT) {
        missing.push_back(p);
      } else {
        return ErrnoError("look up", p.string(), errno);
      }
      if (p == p.parent_path()) break;
    }
    const mode_t mode = world ? 0755 : 0700;
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
      if (::mkdir(it->c_str(), mode) != 0) {
        if (errno == EEXIST) continue;  // created meanwhile by someone else
        return ErrnoError("create the folder", it->string(), errno);
      }
      if (::chmod(it->c_str(), mode) != 0)
        return ErrnoError("set the mode of", it->string(), errno);
    }
    Status s = EnsureFolder(root_, world);
    if (!s.ok()) return s;
    root_ready_ = true;
    if (world) root_ready_world_ = true;
    return Status();
  }

  // The atomic write: tmp file with the final mode, fill, fsync, verify,
  // rename onto the key, fsync the folder.
  Status WriteObject(std::string_view key, const WriteOptions& options,
                     const std::function<Status(int, const std::string&)>& fill) {
    auto path = PathOf(key);
    if (!path.ok()) return path.error();
    const bool world = options.world_readable;
    Status s = EnsureRoot(world);
    if (!s.ok()) return s;
    const fs::path tmp_dir = root_ / kTmpFolder;
    s = EnsureFolder(tmp_dir, world);
    if (!s.ok()) return s;
    const fs::path final_path(*path);
    s = EnsureFolder(final_path.parent_path(), world);
    if (!s.ok()) return s;

    const mode_t mode = world ? 0644 : 0600;
    const std::string temp =
        (tmp_dir / (final_path.filename().string() + "." + RandomHex() + ".tmp")).string();
    Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
    if (fd.get() < 0) return ErrnoError("write", temp, errno);
    TempFile guard(temp);
    if (::fchmod(fd.get(), mode) != 0) return ErrnoError("set the mode of", temp, errno);
    s = fill(fd.get(), temp);
    if (!s.ok()) return s;
    if (::fsync(fd.get()) != 0) return ErrnoError("write", temp, errno);
    if (int err = fd.Close(); err != 0) return ErrnoError("write", temp, err);
    if (!options.sha256.empty()) {
      auto got = index::Sha256File(temp);
      if (!got.ok()) return got.error();
      if (*got != options.sha256) {
        return Error("verification of " + Quote(HadoopUrl(key)) + " failed: its sha256 is " + *got +
                         ", expected " + options.sha256 + "; nothing was stored",
                     ErrorKind::kIo);
      }
    }
    if (::rename(temp.c_str(), path->c_str()) != 0) return ErrnoError("write", *path, errno);
    guard.Release();
    Fd dir(::open(final_path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() >= 0) ::fsync(dir.get());  // best effort: the rename is already visible
    return Status();
  }

  std::string display_;
  fs::path root_;
  std::mutex root_mu_;
  bool root_ready_ = false;        // guarded by root_mu_
  bool root_ready_world_ = false;  // guarded by root_mu_
};

}  // namespace

Result<std::unique_ptr<Backend>> OpenFileBackend(std::string_view url, const OpenOptions&) {
  std::string path;
  if (StartsWith(url, "file://")) {
    std::string_view rest = url.substr(7);
    if (StartsWith(rest, "localhost/")) rest.remove_prefix(9);
    if (!StartsWith(rest, "/")) {
      return Error("invalid store URL " + Quote(http::RedactUrl(url)) +
                   ": a file URL names an absolute path without a host, as in file:///srv/envs");
    }
    path = http::PercentDecode(rest);
  } else {
    path = std::string(url);
  }
  if (path.empty()) return Error("invalid store URL '': expected a folder or file:///path");
  if (path.find('\0') != std::string::npos) {
    return Error("invalid store URL " + Quote(url) + ": it contains a NUL byte");
  }
  std::error_code ec;
  fs::path root = fs::absolute(path, ec).lexically_normal();
  if (ec) return Error("invalid store path " + Quote(path) + ": " + ec.message());
  std::string text = root.string();
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  root = text;
  struct stat st {};
  if (::stat(root.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) {
    return Error("store " + Quote(url) + " is not a folder: " + Quote(root.string()) +
                 " is a file");
  }
  std::string display(url);
  while (display.size() > 1 && display.back() == '/' && !EndsWith(display, ":///")) {
    display.pop_back();
  }
  return std::unique_ptr<Backend>(std::make_unique<FileBackend>(display, root));
}

}  // namespace sparkenv::store
