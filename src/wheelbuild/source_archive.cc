#include "wheelbuild/source_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "base/strings.h"
#include "install/wheel_install.h"

namespace sparkenv::wheelbuild {
namespace {

namespace fs = std::filesystem;

// libarchive's last error text; it may have none (a NULL pointer).
std::string ErrorText(archive* a) {
  const char* text = archive_error_string(a);
  return text != nullptr ? text : "unreadable data";
}

constexpr size_t kChunk = 256 << 10;

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveDeleter>;

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

enum class Kind { kFile, kDir, kLink };

struct Link {
  std::string path;
  std::string target;  // as written (symbolic) or the normalized archive path (hard)
  bool hard = false;
};

std::string Octal(unsigned mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0%o", mode);
  return buf;
}

std::string Parent(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

class Unpacker {
 public:
  Unpacker(std::string archive_path, std::string filename, std::string out_dir,
           const SourceLimits& limits)
      : archive_path_(std::move(archive_path)),
        filename_(std::move(filename)),
        out_dir_(std::move(out_dir)),
        limits_(limits) {}

  Result<UnpackedSource> Run();

 private:
  Error Fail(const std::string& why, ErrorKind kind = ErrorKind::kInvalidInput) const {
    return Error("cannot unpack " + Quote(filename_) + ": " + why, kind);
  }
  Error EntryError(const std::string& name, const std::string& why) const {
    return Fail("entry " + Quote(name) + " " + why);
  }
  Result<std::string> Normalize(const std::string& raw) const;
  Status Claim(const std::string& path, Kind kind);
  Status MakeDirs(const std::string& rel, bool including_last);
  Status Charge(uint64_t bytes);
  Status WriteFile(archive* a, const std::string& path, mode_t mode);
  Result<std::optional<std::string>> Resolve(const std::string& path, int depth) const;
  Result<std::optional<std::string>> Walk(const std::vector<std::string>& parts,
                                          const std::string& link, int depth) const;
  Status CopyFile(const std::string& from, const std::string& to);
  Status CopyTree(const std::string& from, const std::string& to);
  Status Materialize(const Link& link);

  std::string archive_path_;
  std::string filename_;
  std::string out_dir_;
  SourceLimits limits_;
  uint64_t limit_bytes_ = 0;
  bool ratio_limited_ = false;
  uint64_t archive_size_ = 0;

  std::string top_;
  std::map<std::string, Kind> entries_;
  std::set<std::string> made_dirs_;
  std::vector<Link> links_;
  std::map<std::string, const Link*> link_by_path_;
  uint64_t count_ = 0;
  UnpackedSource out_;
};

Result<std::string> Unpacker::Normalize(const std::string& raw) const {
  std::string name = raw;
  if (StartsWith(name, "./")) name = name.substr(2);
  while (!name.empty() && name.back() == '/') name.pop_back();
  if (name.empty() || name == ".") return std::string();
  if (std::string why = install::UnsafeNameReason(name); !why.empty()) {
    return EntryError(raw, why);
  }
  return name;
}

Status Unpacker::Claim(const std::string& path, Kind kind) {
  const std::string top = path.substr(0, path.find('/'));
  if (top_.empty()) top_ = top;
  if (top != top_) {
    return Fail("it has two top-level entries (" + Quote(top_) + " and " + Quote(top) +
                "); an sdist holds one folder");
  }
  if (path == top && kind != Kind::kDir) {
    return EntryError(path, "is not a folder; an sdist holds one top-level folder");
  }
  for (size_t slash = path.find('/'); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    const std::string prefix = path.substr(0, slash);
    auto it = entries_.find(prefix);
    if (it == entries_.end()) {
      entries_.emplace(prefix, Kind::kDir);
    } else if (it->second == Kind::kFile) {
      return EntryError(prefix, "is a file, but " + Quote(path) + " needs it to be a folder");
    } else if (it->second == Kind::kLink) {
      return EntryError(path, "lies below the link " + Quote(prefix));
    }
  }
  auto [it, fresh] = entries_.emplace(path, kind);
  if (!fresh) {
    if (it->second == Kind::kDir && kind == Kind::kDir) return Status::Ok();
    if (it->second == Kind::kDir) {
      return EntryError(path, "is a file or link, but an earlier entry needs it to be a folder");
    }
    return EntryError(path, "appears twice in the archive");
  }
  return Status::Ok();
}

Status Unpacker::MakeDirs(const std::string& rel, bool including_last) {
  std::string path = including_last ? rel + "/" : rel;
  for (size_t slash = path.find('/'); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    std::string dir = path.substr(0, slash);
    if (made_dirs_.count(dir) != 0) continue;
    std::string full = out_dir_ + "/" + dir;
    if (mkdir(full.c_str(), 0755) != 0 && errno != EEXIST) {
      return Error("cannot create " + Quote(full) + ": " + std::strerror(errno), ErrorKind::kIo);
    }
    made_dirs_.insert(dir);
  }
  return Status::Ok();
}

Status Unpacker::Charge(uint64_t bytes) {
  if (bytes > limit_bytes_ - std::min(out_.bytes, limit_bytes_)) {
    if (ratio_limited_) {
      return Fail("its entries inflate to more than " + std::to_string(limits_.max_ratio) +
                  " times the archive's " + std::to_string(archive_size_) +
                  " bytes (the limit against archive bombs)");
    }
    return Fail("its entries inflate to more than the limit of " +
                std::to_string(limits_.max_total_size) +
                " bytes (the limit against archive bombs)");
  }
  out_.bytes += bytes;
  return Status::Ok();
}

Status Unpacker::WriteFile(archive* a, const std::string& path, mode_t mode) {
  if (Status s = MakeDirs(path, false); !s.ok()) return s;
  const std::string full = out_dir_ + "/" + path;
  Fd fd(open(full.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
  if (fd.get() < 0) {
    return Error("cannot create " + Quote(full) + ": " + std::strerror(errno), ErrorKind::kIo);
  }
  std::vector<char> buf(kChunk);
  for (;;) {
    la_ssize_t n = archive_read_data(a, buf.data(), buf.size());
    if (n == 0) break;
    if (n < 0) {
      return Fail("entry " + Quote(path) + ": " + ErrorText(a), ErrorKind::kIo);
    }
    if (Status s = Charge(static_cast<uint64_t>(n)); !s.ok()) return s;
    size_t done = 0;
    while (done < static_cast<size_t>(n)) {
      ssize_t w = write(fd.get(), buf.data() + done, static_cast<size_t>(n) - done);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        return Error("cannot write " + Quote(full) + ": " + std::strerror(errno), ErrorKind::kIo);
      }
      done += static_cast<size_t>(w);
    }
  }
  ++out_.files;
  return Status::Ok();
}

// Resolves the link at `path` (an entry of kind kLink) to the archive path
// it names, following links on the way; nullopt when it names nothing.
Result<std::optional<std::string>> Unpacker::Resolve(const std::string& path, int depth) const {
  const Link& link = *link_by_path_.at(path);
  if (depth > limits_.max_link_depth) {
    return EntryError(path, "is a link in a chain of more than " +
                                std::to_string(limits_.max_link_depth) + " links (or a loop)");
  }
  if (link.hard) return Walk(Split(link.target, '/'), path, depth);
  if (link.target.empty()) return std::optional<std::string>();  // names nothing
  if (link.target[0] == '/') {
    return EntryError(path,
                      "is a symbolic link to " + Quote(link.target) + ", outside the archive");
  }
  std::vector<std::string> parts;
  const std::string parent = Parent(path);
  if (!parent.empty()) parts = Split(parent, '/');
  for (std::string& p : Split(link.target, '/')) parts.push_back(std::move(p));
  return Walk(parts, path, depth);
}

Result<std::optional<std::string>> Unpacker::Walk(const std::vector<std::string>& parts,
                                                  const std::string& link, int depth) const {
  std::vector<std::string> stack;
  for (const std::string& part : parts) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (stack.empty()) {
        const Link& l = *link_by_path_.at(link);
        return EntryError(link, std::string("is a ") + (l.hard ? "hard" : "symbolic") +
                                    " link to " + Quote(l.target) + ", outside the archive");
      }
      stack.pop_back();
      continue;
    }
    stack.push_back(part);
    const std::string current = Join(stack, "/");
    auto it = entries_.find(current);
    if (it == entries_.end()) return std::optional<std::string>();
    if (it->second == Kind::kLink) {
      auto resolved = Resolve(current, depth + 1);
      if (!resolved.ok()) return resolved.error();
      if (!*resolved) return std::optional<std::string>();
      stack.clear();
      if (!(*resolved)->empty()) stack = Split(**resolved, '/');
    }
  }
  // "" is the archive's root.
  return std::optional<std::string>(Join(stack, "/"));
}

Status Unpacker::CopyFile(const std::string& from, const std::string& to) {
  const std::string src = out_dir_ + "/" + from;
  const std::string dst = out_dir_ + "/" + to;
  Fd in(open(src.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st {};
  if (in.get() < 0 || fstat(in.get(), &st) != 0) {
    return Error("cannot read " + Quote(src) + ": " + std::strerror(errno), ErrorKind::kIo);
  }
  if (++count_ > limits_.max_entries) {
    return Fail("it has more than " + std::to_string(limits_.max_entries) +
                " entries (links copied included)");
  }
  if (Status s = Charge(static_cast<uint64_t>(st.st_size)); !s.ok()) return s;
  Fd out(
      open(dst.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st.st_mode & 0777));
  if (out.get() < 0) {
    return Error("cannot create " + Quote(dst) + ": " + std::strerror(errno), ErrorKind::kIo);
  }
  std::vector<char> buf(kChunk);
  for (;;) {
    ssize_t n = read(in.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error("cannot read " + Quote(src) + ": " + std::strerror(errno));
    if (n == 0) break;
    size_t done = 0;
    while (done < static_cast<size_t>(n)) {
      ssize_t w = write(out.get(), buf.data() + done, static_cast<size_t>(n) - done);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        return Error("cannot write " + Quote(dst) + ": " + std::strerror(errno), ErrorKind::kIo);
      }
      done += static_cast<size_t>(w);
    }
  }
  ++out_.files;
  return Status::Ok();
}

Status Unpacker::CopyTree(const std::string& from, const std::string& to) {
  // List first: a link to an ancestor copies what was there, once.
  std::vector<std::pair<std::string, bool>> items;  // relative path, is folder
  std::error_code ec;
  const fs::path root = out_dir_ + "/" + from;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    items.emplace_back(fs::relative(it->path(), root).generic_string(),
                       it->is_directory() && !it->is_symlink());
  }
  if (ec) return Error("cannot list " + Quote(root.string()) + ": " + ec.message(), ErrorKind::kIo);
  std::sort(items.begin(), items.end());
  if (Status s = MakeDirs(to, true); !s.ok()) return s;
  for (const auto& [rel, is_dir] : items) {
    if (is_dir) {
      if (Status s = MakeDirs(to + "/" + rel, true); !s.ok()) return s;
    } else {
      if (Status s = CopyFile(from + "/" + rel, to + "/" + rel); !s.ok()) return s;
    }
  }
  return Status::Ok();
}

Status Unpacker::Materialize(const Link& link) {
  auto resolved = Resolve(link.path, 0);
  if (!resolved.ok()) return resolved.error();
  if (!*resolved) {
    if (link.hard) {
      return EntryError(link.path,
                        "is a hard link to " + Quote(link.target) + ", not a file of the archive");
    }
    return Status::Ok();  // a link to nothing: left out
  }
  if ((*resolved)->empty()) {
    return EntryError(link.path, std::string("is a ") + (link.hard ? "hard" : "symbolic") +
                                     " link to " + Quote(link.target) +
                                     ", the archive's root (a loop)");
  }
  Kind kind = entries_.at(**resolved);
  if (link.hard && kind != Kind::kFile) {
    return EntryError(link.path,
                      "is a hard link to " + Quote(link.target) + ", not a file of the archive");
  }
  if (Status s = MakeDirs(link.path, false); !s.ok()) return s;
  if (kind == Kind::kFile) return CopyFile(**resolved, link.path);
  return CopyTree(**resolved, link.path);
}

Result<UnpackedSource> Unpacker::Run() {
  struct stat st {};
  if (stat(archive_path_.c_str(), &st) != 0) {
    return Error("cannot read " + Quote(archive_path_) + ": " + std::strerror(errno),
                 ErrorKind::kIo);
  }
  archive_size_ = static_cast<uint64_t>(st.st_size);
  const uint64_t by_ratio = std::max(limits_.min_ratio_size, limits_.max_ratio * archive_size_);
  ratio_limited_ = by_ratio < limits_.max_total_size;
  limit_bytes_ = std::min(by_ratio, limits_.max_total_size);

  if (mkdir(out_dir_.c_str(), 0755) != 0) {
    return Error("cannot create " + Quote(out_dir_) + ": " + std::strerror(errno), ErrorKind::kIo);
  }
  struct Cleanup {
    std::string path;
    ~Cleanup() {
      if (!path.empty()) {
        std::error_code ec;
        fs::remove_all(path, ec);
      }
    }
  } cleanup{out_dir_};

  ArchivePtr a(archive_read_new());
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_bzip2(a.get());
  archive_read_support_filter_xz(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_gnutar(a.get());
  archive_read_support_format_zip(a.get());
  if (archive_read_open_filename(a.get(), archive_path_.c_str(), kChunk) != ARCHIVE_OK) {
    return Fail("not a tar or zip archive: " + ErrorText(a.get()), ErrorKind::kIo);
  }
  for (;;) {
    archive_entry* e = nullptr;
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      return Fail("invalid archive: " + ErrorText(a.get()), ErrorKind::kIo);
    }
    const char* raw_name = archive_entry_pathname(e);
    if (raw_name == nullptr) return Fail("an entry has no name");
    const std::string raw = raw_name;
    auto name = Normalize(raw);
    if (!name.ok()) return name.error();
    if (name->empty()) {
      if (archive_entry_filetype(e) != AE_IFDIR) return EntryError(raw, "names the archive root");
      continue;
    }
    if (++count_ > limits_.max_entries) {
      return Fail("it has more than " + std::to_string(limits_.max_entries) +
                  " entries (the limit against archive bombs)");
    }
    const std::string& path = *name;
    const unsigned type = archive_entry_filetype(e);
    if (const char* hard = archive_entry_hardlink(e); hard != nullptr) {
      std::string target = hard;
      auto normal = Normalize(target);
      if (!normal.ok() || normal->empty()) {
        return EntryError(raw, "is a hard link to " + Quote(target) + ", outside the archive");
      }
      if (Status s = Claim(path, Kind::kLink); !s.ok()) return s.error();
      links_.push_back(Link{path, *normal, true});
      continue;
    }
    if (type == AE_IFLNK) {
      const char* target = archive_entry_symlink(e);
      if (Status s = Claim(path, Kind::kLink); !s.ok()) return s.error();
      links_.push_back(Link{path, target != nullptr ? target : "", false});
      continue;
    }
    if (type == AE_IFDIR) {
      if (Status s = Claim(path, Kind::kDir); !s.ok()) return s.error();
      if (Status s = MakeDirs(path, true); !s.ok()) return s.error();
      continue;
    }
    if (type != AE_IFREG) {
      return EntryError(raw, "is a device or special file (mode " +
                                 Octal(static_cast<unsigned>(archive_entry_mode(e))) + ")");
    }
    if (Status s = Claim(path, Kind::kFile); !s.ok()) return s.error();
    const mode_t mode = (archive_entry_perm(e) & 0111) != 0 ? 0755 : 0644;
    if (Status s = WriteFile(a.get(), path, mode); !s.ok()) return s.error();
  }
  if (top_.empty()) return Fail("the archive is empty");
  for (const Link& l : links_) link_by_path_[l.path] = &l;
  // Links to files first, then links to folders (whose copies then hold the
  // files linked inside them).
  std::vector<const Link*> to_dirs;
  for (const Link& l : links_) {
    auto resolved = Resolve(l.path, 0);
    if (!resolved.ok()) return resolved.error();
    if (*resolved && !(*resolved)->empty() && entries_.at(**resolved) == Kind::kDir) {
      to_dirs.push_back(&l);
      continue;
    }
    if (Status s = Materialize(l); !s.ok()) return s.error();
  }
  for (const Link* l : to_dirs) {
    if (Status s = Materialize(*l); !s.ok()) return s.error();
  }
  cleanup.path.clear();
  out_.project_dir = out_dir_ + "/" + top_;
  return out_;
}

}  // namespace

Result<UnpackedSource> UnpackSource(const std::string& archive_path, const std::string& filename,
                                    const std::string& out_dir, const SourceLimits& limits) {
  Unpacker unpacker(archive_path, filename, out_dir, limits);
  return unpacker.Run();
}

}  // namespace sparkenv::wheelbuild
