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
#include "env/gzip_writer.h"
#include "index/sha256.h"
#include "install/record.h"
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

struct LayerArchiveWriter::State {
  std::string path;
  std::string context;  // "cannot write '<path>'"
  ArchivePtr archive;
  int fd = -1;
  install::Hasher hasher{"sha256"};
  uint64_t size = 0;
  int write_errno = 0;
  std::unique_ptr<ParallelGzipWriter> gzip;  // tar.gz: the tar goes through it

  // Compressed (or zip) bytes to the file, hashed on the way.
  Status Out(std::string_view bytes) {
    const char* p = bytes.data();
    size_t left = bytes.size();
    while (left > 0) {
      ssize_t n = write(fd, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        write_errno = errno;
        return Error(context + ": " + std::strerror(errno), ErrorKind::kIo);
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    hasher.Update(bytes);
    size += bytes.size();
    return Status::Ok();
  }

  bool discard = false;  // being destroyed unfinished: write nothing more
  bool tar_gz = false;
  bool swallow = false;  // the tar's bytes of a file stored as its own member

  std::unique_ptr<ParallelGzipWriter> NewGzip() {
    return std::make_unique<ParallelGzipWriter>(
        [this](std::string_view bytes) { return Out(bytes); });
  }

  ~State() {
    // Free the archive first: libarchive closes it, writing its end through
    // WriteCallback, which must not reach the gzip writer or the file.
    discard = true;
    archive.reset();
    if (fd >= 0) close(fd);
  }
  Status Header(const std::string& name, bool is_dir, bool executable, uint64_t file_size) {
    EntryPtr entry(archive_entry_new());
    archive_entry_set_pathname_utf8(entry.get(), (is_dir ? name + "/" : name).c_str());
    archive_entry_set_filetype(entry.get(), is_dir ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(entry.get(), is_dir || executable ? 0755 : 0644);
    archive_entry_set_mtime(entry.get(), kFixedMtime, 0);
    archive_entry_set_uid(entry.get(), 0);
    archive_entry_set_gid(entry.get(), 0);
    archive_entry_set_size(entry.get(), is_dir ? 0 : static_cast<la_int64_t>(file_size));
    if (archive_write_header(archive.get(), entry.get()) != ARCHIVE_OK) return Fail(name);
    return Status::Ok();
  }
  Error Fail(const std::string& name) const {
    if (write_errno != 0) {
      return Error(context + ": " + std::strerror(write_errno), ErrorKind::kIo);
    }
    return ArchiveError(archive.get(), context + (name.empty() ? "" : " (" + name + ")"));
  }
};

namespace {

la_ssize_t WriteCallback(archive*, void* client, const void* buffer, size_t length) {
  auto* state = static_cast<LayerArchiveWriter::State*>(client);
  if (state->discard || state->swallow) return static_cast<la_ssize_t>(length);
  std::string_view bytes(static_cast<const char*>(buffer), length);
  Status s = Status::Ok();
  if (!state->tar_gz) {
    s = state->Out(bytes);
  } else if (state->gzip) {
    s = state->gzip->Write(bytes);
  } else {
    s = Error("internal: tar bytes between gzip members", ErrorKind::kInternal);
  }
  if (!s.ok()) {
    if (state->write_errno == 0) state->write_errno = EIO;
    return -1;
  }
  return static_cast<la_ssize_t>(length);
}

}  // namespace

LayerArchiveWriter::LayerArchiveWriter(std::unique_ptr<State> state) : state_(std::move(state)) {}
LayerArchiveWriter::~LayerArchiveWriter() = default;

Result<std::unique_ptr<LayerArchiveWriter>> LayerArchiveWriter::Create(
    const std::string& archive_path, ArchiveFormat format) {
  auto state = std::make_unique<State>();
  state->path = archive_path;
  state->context = "cannot write " + Quote(archive_path);
  state->fd = open(archive_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (state->fd < 0) {
    return Error(state->context + ": " + std::strerror(errno), ErrorKind::kIo);
  }
  state->archive.reset(archive_write_new());
  archive* a = state->archive.get();
  bool ok = true;
  if (format == ArchiveFormat::kZip) {
    ok = archive_write_set_format_zip(a) == ARCHIVE_OK &&
         archive_write_set_format_option(a, "zip", "compression-level", "1") == ARCHIVE_OK;
  } else {
    // libarchive writes the plain tar; it is gzipped on several cores.
    // Unblocked: libarchive hands each header and each write over at once,
    // so a file's bytes can leave the tar for a member of their own.
    ok = archive_write_set_format_pax_restricted(a) == ARCHIVE_OK &&
         archive_write_set_bytes_per_block(a, 0) == ARCHIVE_OK;
    state->tar_gz = true;
    state->gzip = state->NewGzip();
  }
  // No padding of the last block (as for a regular file).
  ok = ok && archive_write_set_bytes_in_last_block(a, 1) == ARCHIVE_OK;
  if (!ok ||
      archive_write_open2(a, state.get(), nullptr, WriteCallback, nullptr, nullptr) != ARCHIVE_OK) {
    return state->Fail("");
  }
  return std::unique_ptr<LayerArchiveWriter>(new LayerArchiveWriter(std::move(state)));
}

Status LayerArchiveWriter::AddFolder(const std::string& path) {
  return state_->Header(path, true, true, 0);
}

Status LayerArchiveWriter::BeginFile(const std::string& path, bool executable, uint64_t size) {
  return state_->Header(path, false, executable, size);
}

Status LayerArchiveWriter::Write(std::string_view bytes) {
  while (!bytes.empty()) {
    la_ssize_t n = archive_write_data(state_->archive.get(), bytes.data(), bytes.size());
    if (n <= 0) return state_->Fail("");
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status LayerArchiveWriter::EndFile() { return Status::Ok(); }

uint64_t LayerArchiveWriter::MinDeflatedFile() const { return state_->tar_gz ? 64 * 1024 : 0; }

Status LayerArchiveWriter::AddDeflatedFile(const std::string& path, bool executable, uint64_t size,
                                           uint32_t crc32, const DeflateStream& stream) {
  State& st = *state_;
  if (!st.tar_gz || !st.gzip) {
    return LayerSink::AddDeflatedFile(path, executable, size, crc32, stream);
  }
  // The header ends the member that holds the tar so far.
  if (Status s = st.Header(path, false, executable, size); !s.ok()) return s;
  if (Status s = st.gzip->Finish(); !s.ok()) return s;
  st.gzip.reset();
  // The file's member: its deflate stream as the wheel has it.
  if (Status s = st.Out(std::string_view(kGzipHeader, sizeof kGzipHeader)); !s.ok()) return s;
  if (Status s = stream([&st](std::string_view bytes) { return st.Out(bytes); }); !s.ok()) {
    return s;
  }
  if (Status s = st.Out(GzipTrailer(crc32, size)); !s.ok()) return s;
  // libarchive still counts the entry's bytes (and pads after them): it
  // gets zeros, which go nowhere. Then a new member for the rest of the tar.
  static const std::string kZeros(kChunk, '\0');
  st.swallow = true;
  for (uint64_t left = size; left > 0;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(left, kZeros.size()));
    la_ssize_t w = archive_write_data(st.archive.get(), kZeros.data(), n);
    if (w <= 0) {
      st.swallow = false;
      return st.Fail(path);
    }
    left -= static_cast<uint64_t>(w);
  }
  st.swallow = false;
  st.gzip = st.NewGzip();
  return Status::Ok();
}

Result<PackedLayer> LayerArchiveWriter::Finish() {
  if (archive_write_close(state_->archive.get()) != ARCHIVE_OK) return state_->Fail("");
  if (state_->gzip) {
    if (Status s = state_->gzip->Finish(); !s.ok()) return s.error();
  }
  if (close(state_->fd) != 0) {
    state_->fd = -1;
    return Error(state_->context + ": " + std::strerror(errno), ErrorKind::kIo);
  }
  state_->fd = -1;
  static constexpr char kHex[] = "0123456789abcdef";
  PackedLayer out;
  for (char c : state_->hasher.Finish()) {
    out.sha256.push_back(kHex[(static_cast<uint8_t>(c) >> 4) & 0xF]);
    out.sha256.push_back(kHex[static_cast<uint8_t>(c) & 0xF]);
  }
  out.size = state_->size;
  return out;
}

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
  auto writer = LayerArchiveWriter::Create(archive_path, format);
  if (!writer.ok()) return writer.error();
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
    const std::string name = rel.generic_string();
    if (is_dir) {
      if (Status s = (*writer)->AddFolder(name); !s.ok()) return s.error();
      continue;
    }
    Status s =
        (*writer)->BeginFile(name, (st.st_mode & 0111) != 0, static_cast<uint64_t>(st.st_size));
    if (!s.ok()) return s.error();
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
      if (Status w = (*writer)->Write(std::string_view(buffer.data(), static_cast<size_t>(n)));
          !w.ok()) {
        return w.error();
      }
    }
    if (Status e = (*writer)->EndFile(); !e.ok()) return e.error();
  }
  return (*writer)->Finish();
}

namespace {

// One layer being read, entry by entry.
struct MergeSource {
  const LayerInput* input = nullptr;
  ArchivePtr archive;
  archive_entry* entry = nullptr;  // the current entry; null at the end
  std::string name;                // its path, without a folder's '/'
  bool is_dir = false;

  Status Next() {
    const std::string context = "cannot read the layer " + Quote(input->path);
    int r = archive_read_next_header(archive.get(), &entry);
    if (r == ARCHIVE_EOF) {
      entry = nullptr;
      return Status::Ok();
    }
    if (r != ARCHIVE_OK) return ArchiveError(archive.get(), context);
    const char* raw = archive_entry_pathname_utf8(entry);
    std::string next = raw != nullptr ? raw : "";
    is_dir = archive_entry_filetype(entry) == AE_IFDIR;
    if (is_dir && !next.empty() && next.back() == '/') next.pop_back();
    if (std::string reason = install::UnsafeNameReason(next); !reason.empty()) {
      return Error(context + ": entry " + Quote(next) + ": " + reason, ErrorKind::kInvalidInput);
    }
    if (!is_dir && archive_entry_filetype(entry) != AE_IFREG) {
      return Error(context + ": entry " + Quote(next) + " is not a regular file or folder",
                   ErrorKind::kInvalidInput);
    }
    if (!name.empty() && next <= name) {
      return Error(
          context + ": entries are not sorted (" + Quote(next) + " after " + Quote(name) + ")",
          ErrorKind::kInvalidInput);
    }
    name = std::move(next);
    return Status::Ok();
  }

  // Fills exactly `n` bytes (fewer only at the end of the entry).
  Result<size_t> Read(char* buf, size_t n) {
    size_t got = 0;
    while (got < n) {
      la_ssize_t r = archive_read_data(archive.get(), buf + got, n - got);
      if (r < 0) return ArchiveError(archive.get(), "cannot read the layer " + Quote(input->path));
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    return got;
  }
};

}  // namespace

Result<PackedLayer> MergeLayers(const std::vector<LayerInput>& layers,
                                const std::string& archive_path, ArchiveFormat format) {
  std::vector<MergeSource> sources(layers.size());
  for (size_t i = 0; i < layers.size(); ++i) {
    MergeSource& src = sources[i];
    src.input = &layers[i];
    src.archive.reset(archive_read_new());
    archive_read_support_format_tar(src.archive.get());
    archive_read_support_filter_gzip(src.archive.get());
    if (archive_read_open_filename(src.archive.get(), layers[i].path.c_str(), kChunk) !=
        ARCHIVE_OK) {
      return ArchiveError(src.archive.get(), "cannot read the layer " + Quote(layers[i].path));
    }
    if (Status s = src.Next(); !s.ok()) return s.error();
  }
  auto writer = LayerArchiveWriter::Create(archive_path, format);
  if (!writer.ok()) return writer.error();
  std::vector<char> first(kChunk);
  std::vector<char> other(kChunk);
  while (true) {
    // The smallest current path, and every layer at it.
    const std::string* smallest = nullptr;
    for (const MergeSource& src : sources) {
      if (src.entry != nullptr && (smallest == nullptr || src.name < *smallest)) {
        smallest = &src.name;
      }
    }
    if (smallest == nullptr) break;
    const std::string name = *smallest;
    std::vector<MergeSource*> at;
    for (MergeSource& src : sources) {
      if (src.entry != nullptr && src.name == name) at.push_back(&src);
    }
    auto conflict = [&](const MergeSource& a, const MergeSource& b, const std::string& why) {
      return Error("cannot merge the layers: " + Quote(name) + " is in the layers of " +
                       a.input->label + " and " + b.input->label + " " + why,
                   ErrorKind::kInvalidInput);
    };
    for (MergeSource* src : at) {
      if (src->is_dir != at.front()->is_dir) {
        return conflict(*at.front(), *src, "as a file in one and a folder in the other");
      }
    }
    if (at.front()->is_dir) {
      if (Status s = (*writer)->AddFolder(name); !s.ok()) return s.error();
    } else {
      const auto size = static_cast<uint64_t>(archive_entry_size(at.front()->entry));
      for (MergeSource* src : at) {
        if (static_cast<uint64_t>(archive_entry_size(src->entry)) != size) {
          return conflict(*at.front(), *src, "with different content");
        }
      }
      const bool exec = (archive_entry_perm(at.front()->entry) & 0111) != 0;
      if (Status s = (*writer)->BeginFile(name, exec, size); !s.ok()) return s.error();
      while (true) {
        auto n = at.front()->Read(first.data(), first.size());
        if (!n.ok()) return n.error();
        for (size_t k = 1; k < at.size(); ++k) {
          auto m = at[k]->Read(other.data(), *n);
          if (!m.ok()) return m.error();
          if (*m != *n || std::memcmp(first.data(), other.data(), *n) != 0) {
            return conflict(*at.front(), *at[k], "with different content");
          }
        }
        if (*n == 0) break;
        if (Status s = (*writer)->Write(std::string_view(first.data(), *n)); !s.ok()) {
          return s.error();
        }
      }
      if (Status s = (*writer)->EndFile(); !s.ok()) return s.error();
    }
    for (MergeSource* src : at) {
      if (Status s = src->Next(); !s.ok()) return s.error();
    }
  }
  return (*writer)->Finish();
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
