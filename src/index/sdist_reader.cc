#include "index/sdist_reader.h"

#include <zlib.h>

#include <vector>

#include "base/strings.h"
#include "spec/metadata.h"

namespace sparkenv::index {

namespace {

constexpr size_t kBlock = 512;

uint64_t ParseOctal(std::string_view field) {
  uint64_t n = 0;
  for (char c : field) {
    if (c == '\0' || c == ' ') {
      if (n > 0) break;
      continue;
    }
    if (c < '0' || c > '7') break;
    if (n > (UINT64_MAX >> 3)) return UINT64_MAX;
    n = n * 8 + static_cast<uint64_t>(c - '0');
  }
  return n;
}

std::string CString(std::string_view field) {
  return std::string(field.substr(0, field.find('\0')));
}

bool IsTopLevelPkgInfo(std::string_view name) {
  if (StartsWith(name, "./")) name.remove_prefix(2);
  size_t slash = name.find('/');
  return slash != std::string_view::npos && slash > 0 && name.substr(slash + 1) == "PKG-INFO";
}

// A pax extended header's "path" record, if any.
std::optional<std::string> PaxPath(std::string_view records) {
  while (!records.empty()) {
    size_t space = records.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    uint64_t len = 0;
    for (char c : records.substr(0, space)) {
      if (!IsAsciiDigit(c) || len > 1'000'000) return std::nullopt;
      len = len * 10 + static_cast<uint64_t>(c - '0');
    }
    if (len <= space + 1 || len > records.size()) return std::nullopt;
    std::string_view record = records.substr(space + 1, len - space - 1);
    if (!record.empty() && record.back() == '\n') record.remove_suffix(1);
    if (StartsWith(record, "path=")) return std::string(record.substr(5));
    records.remove_prefix(len);
  }
  return std::nullopt;
}

}  // namespace

Result<std::optional<std::string>> PkgInfoFromTarGz(std::string_view archive) {
  auto bad = [](const std::string& why) {
    return Error("invalid sdist archive: " + why, ErrorKind::kInvalidInput);
  };
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return bad("zlib init failed");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(archive.data()));
  z.avail_in = static_cast<uInt>(std::min<size_t>(archive.size(), UINT32_MAX));
  std::string buf;        // unpacked bytes not yet consumed
  size_t pos = 0;         // next header in buf
  uint64_t consumed = 0;  // bytes dropped from buf's front
  bool eof = false;
  std::optional<std::string> next_name;
  std::vector<char> chunk(1 << 16);
  while (true) {
    // Parse every complete entry in the buffer.
    bool need_more = false;
    while (!need_more) {
      if (buf.size() < pos + kBlock) {
        need_more = true;
        break;
      }
      std::string_view header(buf.data() + pos, kBlock);
      if (header.find_first_not_of('\0') == std::string_view::npos) {
        inflateEnd(&z);
        return std::optional<std::string>();  // end-of-archive block
      }
      uint64_t size = ParseOctal(header.substr(124, 12));
      if (size > kMaxSdistUnpackedBytes) {
        inflateEnd(&z);
        return bad("an entry is larger than the limit");
      }
      char type = header[156];
      std::string name = CString(header.substr(0, 100));
      if (header.substr(257, 5) == "ustar") {
        std::string prefix = CString(header.substr(345, 155));
        if (!prefix.empty()) name = prefix + "/" + name;
      }
      if (next_name) {
        name = *next_name;
        next_name.reset();
      }
      uint64_t padded = (size + kBlock - 1) / kBlock * kBlock;
      bool wanted =
          type == 'x' || type == 'L' || ((type == '0' || type == '\0') && IsTopLevelPkgInfo(name));
      if (wanted && buf.size() < pos + kBlock + size) {
        need_more = true;
        break;
      }
      std::string_view data =
          wanted ? std::string_view(buf).substr(pos + kBlock, size) : std::string_view();
      if (type == 'x') {
        next_name = PaxPath(data);
      } else if (type == 'L') {
        next_name = CString(data);
      } else if (wanted) {
        std::string text(data);
        inflateEnd(&z);
        return std::optional<std::string>(std::move(text));
      }
      pos += kBlock + padded;
    }
    if (eof) break;
    if (pos >= buf.size()) {  // inside an entry that is being skipped
      consumed += buf.size();
      pos -= buf.size();
      buf.clear();
    } else if (pos > (1u << 20)) {
      buf.erase(0, pos);
      consumed += pos;
      pos = 0;
    }
    if (consumed + buf.size() > kMaxSdistUnpackedBytes) {
      inflateEnd(&z);
      return bad("unpacks to more than the limit before PKG-INFO");
    }
    z.next_out = reinterpret_cast<Bytef*>(chunk.data());
    z.avail_out = static_cast<uInt>(chunk.size());
    int rc = inflate(&z, Z_NO_FLUSH);
    buf.append(chunk.data(), chunk.size() - z.avail_out);
    // Z_BUF_ERROR with no input left: a truncated file; parse what there is.
    bool truncated = rc == Z_BUF_ERROR && z.avail_in == 0;
    if (rc != Z_OK && rc != Z_STREAM_END && !truncated) {
      inflateEnd(&z);
      return bad("gzip data is corrupt");
    }
    eof = rc == Z_STREAM_END || truncated;
  }
  inflateEnd(&z);
  return std::optional<std::string>();
}

Status CheckPkgInfoIsReliable(std::string_view pkg_info) {
  spec::MetadataHeaders headers = spec::MetadataHeaders::Parse(pkg_info);
  auto versions = headers.GetAll("Metadata-Version");
  std::string version = versions.empty() ? "" : std::string(TrimAscii(versions.front()));
  size_t dot = version.find('.');
  int major = 0;
  int minor = 0;
  bool ok = dot != std::string::npos && dot > 0 && dot + 1 < version.size() && dot < 4 &&
            version.size() - dot < 5;
  for (size_t i = 0; ok && i < version.size(); ++i) {
    if (i == dot) continue;
    ok = IsAsciiDigit(version[i]);
    int& part = i < dot ? major : minor;
    if (ok) part = part * 10 + (version[i] - '0');
  }
  if (!ok || major < 2 || (major == 2 && minor < 2)) {
    return Error("its PKG-INFO has Metadata-Version " + Quote(version) +
                     ", and only 2.2 or later is reliable without a build (PEP 643)",
                 ErrorKind::kNotFound);
  }
  for (const std::string& field : headers.GetAll("Dynamic")) {
    std::string f = ToLowerAscii(TrimAscii(field));
    if (f == "requires-dist" || f == "requires-python") {
      return Error("its PKG-INFO marks " + Quote(std::string(TrimAscii(field))) +
                       " as Dynamic, so only a build can tell (PEP 643)",
                   ErrorKind::kNotFound);
    }
  }
  return Status::Ok();
}

}  // namespace sparkenv::index
