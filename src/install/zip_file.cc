#include "install/zip_file.h"

#include <fcntl.h>
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "base/strings.h"

namespace sparkenv::install {

namespace {

constexpr uint32_t kEocdSignature = 0x06054b50;
constexpr uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr uint32_t kZip64EocdSignature = 0x06064b50;
constexpr uint32_t kCentralSignature = 0x02014b50;
constexpr uint32_t kLocalSignature = 0x04034b50;
constexpr size_t kEocdSize = 22;
constexpr size_t kZip64LocatorSize = 20;
constexpr size_t kZip64EocdSize = 56;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kLocalHeaderSize = 30;
constexpr size_t kMaxComment = 65535;
// A central directory this large would describe millions of members; the
// installer's entry limit is far lower, so this only bounds memory.
constexpr uint64_t kMaxCentralDirectory = 256ull << 20;
constexpr size_t kChunk = size_t{256} * 1024;

uint16_t U16(const char* b) {
  return static_cast<uint16_t>(static_cast<uint8_t>(b[0]) | (static_cast<uint8_t>(b[1]) << 8));
}
uint32_t U32(const char* b) {
  return static_cast<uint32_t>(U16(b)) | (static_cast<uint32_t>(U16(b + 2)) << 16);
}
uint64_t U64(const char* b) {
  return static_cast<uint64_t>(U32(b)) | (static_cast<uint64_t>(U32(b + 4)) << 32);
}

Error Bad(const std::string& why) { return Error("invalid zip archive: " + why, ErrorKind::kIo); }

// Applies a Zip64 extended information extra field (id 1) to the fields that
// are saturated in the central header, in the order the format fixes.
Status ApplyZip64(std::string_view extra, ZipMember& m, bool size_max, bool csize_max,
                  bool offset_max) {
  size_t pos = 0;
  while (pos + 4 <= extra.size()) {
    uint16_t id = U16(extra.data() + pos);
    uint16_t len = U16(extra.data() + pos + 2);
    size_t at = pos + 4;
    size_t end = at + len;
    if (end > extra.size()) break;
    if (id == 1) {
      if (size_max) {
        if (at + 8 > end) break;
        m.uncompressed_size = U64(extra.data() + at);
        at += 8;
      }
      if (csize_max) {
        if (at + 8 > end) break;
        m.compressed_size = U64(extra.data() + at);
        at += 8;
      }
      if (offset_max) {
        if (at + 8 > end) break;
        m.local_header_offset = U64(extra.data() + at);
      }
      return Status::Ok();
    }
    pos = end;
  }
  if (size_max || csize_max || offset_max) {
    return Bad("member " + Quote(m.name) + " has Zip64 sizes without a valid Zip64 extra field");
  }
  return Status::Ok();
}

// ISA-L's inflater (libisal): the same deflate, about 1.5x zlib's speed.
// Its state is large (tables), so each thread keeps one.
inflate_state& InflateState() {
  thread_local std::unique_ptr<inflate_state> state = std::make_unique<inflate_state>();
  return *state;
}

// Per-thread I/O buffers of kChunk bytes (allocated once, never zeroed):
// a wheel has thousands of small members.
char* Buffer(int which) {
  thread_local std::unique_ptr<char[]> buffers[2];
  if (!buffers[which]) buffers[which].reset(new char[kChunk]);
  return buffers[which].get();
}

}  // namespace

ZipFile::~ZipFile() {
  if (fd_ >= 0) close(fd_);
}

Result<std::unique_ptr<ZipFile>> ZipFile::Open(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Error("cannot open " + Quote(path) + ": " + std::strerror(errno), ErrorKind::kIo);
  }
  return FromFd(fd);
}

Result<std::unique_ptr<ZipFile>> ZipFile::FromFd(int fd) {
  std::unique_ptr<ZipFile> zip(new ZipFile(fd));
  struct stat st {};
  if (fstat(fd, &st) != 0) return Error(std::string("cannot stat: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return Bad("not a regular file");
  zip->size_ = static_cast<uint64_t>(st.st_size);
  Status parsed = zip->Parse();
  if (!parsed.ok()) return parsed.error();
  return zip;
}

Status ZipFile::ReadAt(uint64_t offset, size_t length, char* out) const {
  if (offset > size_ || length > size_ - offset) return Bad("a read past the end of the archive");
  size_t done = 0;
  while (done < length) {
    ssize_t n = pread(fd_, out + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error(std::string("read failed: ") + std::strerror(errno), ErrorKind::kIo);
    if (n == 0) return Bad("the file shrank while it was read");
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status ZipFile::Parse() {
  if (size_ < kEocdSize) return Bad("too short for an end of central directory record");
  size_t tail_len = static_cast<size_t>(
      std::min<uint64_t>(size_, kEocdSize + kMaxComment + kZip64LocatorSize + kZip64EocdSize));
  uint64_t tail_start = size_ - tail_len;
  std::string tail(tail_len, '\0');
  if (Status s = ReadAt(tail_start, tail_len, tail.data()); !s.ok()) return s;
  // The EOCD record is the last one with its signature whose comment runs
  // exactly to the end of the file.
  size_t eocd = std::string::npos;
  for (size_t i = tail_len - kEocdSize + 1; i-- > 0;) {
    if (U32(tail.data() + i) == kEocdSignature &&
        i + kEocdSize + U16(tail.data() + i + 20) == tail_len) {
      eocd = i;
      break;
    }
  }
  if (eocd == std::string::npos) {
    return Bad("no end of central directory record (truncated, or not a zip file)");
  }
  const char* e = tail.data() + eocd;
  if (U16(e + 4) != 0 || U16(e + 6) != 0) return Bad("multi-disk archives are not supported");
  uint64_t count = U16(e + 10);
  uint64_t cd_size = U32(e + 12);
  uint64_t cd_offset = U32(e + 16);
  if (count == 0xFFFF || cd_size == 0xFFFFFFFF || cd_offset == 0xFFFFFFFF) {
    if (eocd < kZip64LocatorSize || U32(e - kZip64LocatorSize) != kZip64LocatorSignature) {
      return Bad("Zip64 values without a Zip64 locator");
    }
    uint64_t z64 = U64(e - kZip64LocatorSize + 8);
    if (z64 < tail_start || z64 - tail_start + kZip64EocdSize > eocd) {
      return Bad("the Zip64 end of central directory record is out of reach");
    }
    const char* z = tail.data() + (z64 - tail_start);
    if (U32(z) != kZip64EocdSignature) return Bad("bad Zip64 end record signature");
    count = U64(z + 32);
    cd_size = U64(z + 40);
    cd_offset = U64(z + 48);
  }
  if (cd_size > kMaxCentralDirectory) return Bad("the central directory is larger than the limit");
  if (cd_offset > size_ || cd_size > size_ - cd_offset) {
    return Bad("the central directory lies outside the archive (truncated?)");
  }
  if (count > cd_size / kCentralHeaderSize) {
    return Bad("the central directory is too small for " + std::to_string(count) + " members");
  }
  cd_offset_ = cd_offset;
  std::string cd(static_cast<size_t>(cd_size), '\0');
  if (Status s = ReadAt(cd_offset, cd.size(), cd.data()); !s.ok()) return s;
  members_.reserve(static_cast<size_t>(count));
  size_t pos = 0;
  for (uint64_t i = 0; i < count; ++i) {
    const char* h = cd.data() + pos;
    if (pos + kCentralHeaderSize > cd.size() || U32(h) != kCentralSignature) {
      return Bad("central directory entry " + std::to_string(i) + " is malformed");
    }
    ZipMember m;
    m.made_by = U16(h + 4);
    m.flags = U16(h + 8);
    m.method = U16(h + 10);
    m.crc32 = U32(h + 16);
    m.compressed_size = U32(h + 20);
    m.uncompressed_size = U32(h + 24);
    size_t name_len = U16(h + 28);
    size_t extra_len = U16(h + 30);
    size_t comment_len = U16(h + 32);
    m.external_attributes = U32(h + 38);
    m.local_header_offset = U32(h + 42);
    size_t next = pos + kCentralHeaderSize + name_len + extra_len + comment_len;
    if (next > cd.size()) {
      return Bad("central directory entry " + std::to_string(i) + " overruns the directory");
    }
    m.name = cd.substr(pos + kCentralHeaderSize, name_len);
    Status z64 =
        ApplyZip64(std::string_view(cd).substr(pos + kCentralHeaderSize + name_len, extra_len), m,
                   m.uncompressed_size == 0xFFFFFFFF, m.compressed_size == 0xFFFFFFFF,
                   m.local_header_offset == 0xFFFFFFFF);
    if (!z64.ok()) return z64;
    members_.push_back(std::move(m));
    pos = next;
  }
  return Status::Ok();
}

Result<uint64_t> ZipFile::DataStart(const ZipMember& m) const {
  const std::string what = "member " + Quote(m.name);
  if (m.local_header_offset > cd_offset_ || cd_offset_ - m.local_header_offset < kLocalHeaderSize) {
    return Bad(what + ": local header outside the archive");
  }
  char h[kLocalHeaderSize];
  if (Status s = ReadAt(m.local_header_offset, kLocalHeaderSize, h); !s.ok()) return s.error();
  if (U32(h) != kLocalSignature) return Bad(what + ": bad local header signature");
  size_t name_len = U16(h + 26);
  size_t extra_len = U16(h + 28);
  if (U16(h + 8) != m.method) {
    return Bad(what + ": local header and central directory disagree on the compression method");
  }
  uint64_t data_start = m.local_header_offset + kLocalHeaderSize + name_len + extra_len;
  if (data_start > cd_offset_ || m.compressed_size > cd_offset_ - data_start) {
    return Bad(what + ": data runs past the central directory (truncated?)");
  }
  std::string local_name(name_len, '\0');
  if (Status s = ReadAt(m.local_header_offset + kLocalHeaderSize, name_len, local_name.data());
      !s.ok()) {
    return s.error();
  }
  if (local_name != m.name) {
    return Bad(what + ": the local header names it " + Quote(local_name));
  }
  return data_start;
}

Status ZipFile::StreamStored(const ZipMember& m, const ChunkSink& sink) const {
  auto start = DataStart(m);
  if (!start.ok()) return start.error();
  char* const in = Buffer(0);
  uint64_t offset = *start;
  uint64_t remaining = m.compressed_size;
  while (remaining > 0) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, remaining));
    if (Status s = ReadAt(offset, n, in); !s.ok()) return s;
    offset += n;
    remaining -= n;
    if (Status s = sink(std::string_view(in, n)); !s.ok()) return s;
  }
  return Status::Ok();
}

Status ZipFile::Stream(const ZipMember& m, const ChunkSink& sink, bool* exact) const {
  const std::string what = "member " + Quote(m.name);
  if (exact != nullptr) *exact = false;
  auto start = DataStart(m);
  if (!start.ok()) return start.error();
  const uint64_t data_start = *start;
  char* const in = Buffer(0);
  const size_t in_size = kChunk;
  uint64_t offset = data_start;
  uint64_t remaining = m.compressed_size;
  uint64_t produced = 0;
  uint32_t crc = 0;
  auto emit = [&](const char* data, size_t n) -> Status {
    produced += n;
    crc = crc32_gzip_refl(crc, reinterpret_cast<const uint8_t*>(data), n);
    return sink(std::string_view(data, n));
  };
  if (m.method == 0) {
    if (m.compressed_size != m.uncompressed_size) {
      return Bad(what + ": a stored member whose sizes differ");
    }
    while (remaining > 0) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(in_size, remaining));
      if (Status s = ReadAt(offset, n, in); !s.ok()) return s;
      offset += n;
      remaining -= n;
      if (Status s = emit(in, n); !s.ok()) return s;
    }
  } else if (m.method == 8) {
    inflate_state& st = InflateState();
    isal_inflate_init(&st);
    st.crc_flag = ISAL_DEFLATE;
    char* const out = Buffer(1);
    while (st.block_state != ISAL_BLOCK_FINISH) {
      if (st.avail_in == 0 && remaining > 0) {
        size_t n = static_cast<size_t>(std::min<uint64_t>(in_size, remaining));
        if (Status s = ReadAt(offset, n, in); !s.ok()) return s;
        offset += n;
        remaining -= n;
        st.next_in = reinterpret_cast<uint8_t*>(in);
        st.avail_in = static_cast<uint32_t>(n);
      }
      // Never let inflate produce more than the recorded size plus one byte:
      // the extra byte is how an overlong stream shows.
      uint64_t room = m.uncompressed_size - produced + 1;
      size_t cap = static_cast<size_t>(std::min<uint64_t>(kChunk, room));
      st.next_out = reinterpret_cast<uint8_t*>(out);
      st.avail_out = static_cast<uint32_t>(cap);
      const bool had_input = st.avail_in > 0;
      int rc = isal_inflate(&st);
      size_t got = cap - st.avail_out;
      if (produced + got > m.uncompressed_size) {
        return Bad(what + ": inflates to more than its recorded size of " +
                   std::to_string(m.uncompressed_size) + " bytes");
      }
      if (rc < 0) return Bad(what + ": corrupt deflate data");
      if (got > 0) {
        if (Status s = emit(out, got); !s.ok()) return s;
      }
      if (st.block_state != ISAL_BLOCK_FINISH && got == 0 && remaining == 0 &&
          (st.avail_in == 0 || !had_input)) {
        return Bad(what + ": the deflate stream ends early (truncated?)");
      }
    }
    // Whole bytes ISA-L read ahead but did not use are still in read_in.
    if (exact != nullptr) {
      *exact = st.avail_in == 0 && remaining == 0 && st.read_in_length < 8;
    }
  } else {
    return Bad(what + ": compression method " + std::to_string(m.method) +
               " is not supported (only stored and deflate)");
  }
  if (produced != m.uncompressed_size) {
    return Bad(what + ": inflates to " + std::to_string(produced) + " bytes, not the recorded " +
               std::to_string(m.uncompressed_size));
  }
  if (crc != m.crc32) return Bad(what + ": CRC-32 mismatch");
  return Status::Ok();
}

Result<std::string> ZipFile::ReadAll(const ZipMember& member, uint64_t max_size) const {
  if (member.uncompressed_size > max_size) {
    return Bad("member " + Quote(member.name) + " is larger than " + std::to_string(max_size) +
               " bytes");
  }
  std::string out;
  out.reserve(static_cast<size_t>(member.uncompressed_size));
  Status s = Stream(member, [&out](std::string_view chunk) {
    out.append(chunk);
    return Status::Ok();
  });
  if (!s.ok()) return s.error();
  return out;
}

}  // namespace sparkenv::install
