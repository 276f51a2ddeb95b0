#include "index/metadata_source.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "base/strings.h"
#include "http/url.h"
#include "index/sdist_reader.h"
#include "index/sha256.h"
#include "index/zip_reader.h"
#include "spec/name.h"

namespace sparkenv::index {

namespace {

// "bytes 100-199/4096" -> 4096.
std::optional<uint64_t> TotalFromContentRange(std::string_view value) {
  size_t slash = value.rfind('/');
  if (slash == std::string_view::npos || slash + 1 >= value.size()) return std::nullopt;
  uint64_t total = 0;
  for (char c : value.substr(slash + 1)) {
    if (!IsAsciiDigit(c) || total > (UINT64_MAX - 9) / 10) return std::nullopt;
    total = total * 10 + static_cast<uint64_t>(c - '0');
  }
  return total;
}

Result<std::string> MetadataFromArchive(uint64_t size, std::string_view tail, const ReadAt& read,
                                        const DistFile& file) {
  auto entries = ReadCentralDirectory(size, tail, read);
  if (!entries.ok()) return entries.error();
  auto entry = FindWheelMetadata(*entries, file.name());
  if (!entry) {
    return Error("the wheel has no *.dist-info/METADATA member", ErrorKind::kInvalidInput);
  }
  return ReadZipMember(size, *entry, read);
}

// An sdist's PKG-INFO, when PEP 643 makes it reliable.
Result<std::string> SdistPkgInfo(std::string_view bytes, const DistFile& file) {
  std::optional<std::string> text;
  if (file.sdist()->format() == spec::SdistFormat::kTarGz) {
    auto found = PkgInfoFromTarGz(bytes);
    if (!found.ok()) return found.error();
    text = std::move(found).value();
  } else {
    ReadAt read = [bytes](uint64_t offset, uint64_t length) -> Result<std::string> {
      return std::string(bytes.substr(offset, length));
    };
    auto entries = ReadCentralDirectory(bytes.size(), bytes, read);
    if (!entries.ok()) return entries.error();
    for (const auto& e : *entries) {
      size_t slash = e.name.find('/');
      if (slash != std::string::npos && slash > 0 && e.name.substr(slash) == "/PKG-INFO") {
        auto member = ReadZipMember(bytes.size(), e, read);
        if (!member.ok()) return member.error();
        text = std::move(member).value();
        break;
      }
    }
  }
  if (!text) {
    return Error("an sdist's metadata needs a build: it has no PKG-INFO", ErrorKind::kNotFound);
  }
  Status reliable = CheckPkgInfoIsReliable(*text);
  if (!reliable.ok()) return reliable.error().Wrap("an sdist's metadata needs a build");
  return std::move(*text);
}

}  // namespace

std::string_view ToString(MetadataOrigin origin) {
  switch (origin) {
    case MetadataOrigin::kMetadataFile:
      return "metadata file";
    case MetadataOrigin::kRangeRequests:
      return "range requests";
    case MetadataOrigin::kWholeFile:
      return "whole file";
    case MetadataOrigin::kLocalFile:
      return "local file";
    case MetadataOrigin::kCache:
      return "cache";
  }
  return "?";
}

Result<RawMetadata> MetadataSource::FetchRaw(const DistFile& file) const {
  const std::string context = "cannot read the metadata of " + Quote(file.filename()) + " from " +
                              Quote(http::RedactUrl(file.url()));
  RawMetadata out;
  http::UrlParts parts = http::UrlParts::Parse(file.url());
  if (parts.scheme == "file") {
    std::string path = http::PercentDecode(parts.path);
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) return Error(context + ": " + std::strerror(errno), ErrorKind::kIo);
    auto size = static_cast<uint64_t>(in.tellg());
    out.origin = MetadataOrigin::kLocalFile;
    if (!file.is_wheel()) {
      std::string bytes(size, '\0');
      in.seekg(0);
      in.read(bytes.data(), static_cast<std::streamsize>(size));
      auto text = SdistPkgInfo(bytes, file);
      if (!text.ok()) return text.error().Wrap(context);
      out.text = std::move(text).value();
      return out;
    }
    ReadAt read = [&in, size](uint64_t offset, uint64_t length) -> Result<std::string> {
      if (offset > size || length > size - offset) {
        return Error("read past the end of the file", ErrorKind::kIo);
      }
      std::string buffer(length, '\0');
      in.seekg(static_cast<std::streamoff>(offset));
      in.read(buffer.data(), static_cast<std::streamsize>(length));
      if (static_cast<uint64_t>(in.gcount()) != length) {
        return Error("short read", ErrorKind::kIo);
      }
      return buffer;
    };
    uint64_t tail_len = std::min<uint64_t>(size, kZipTailBytes);
    auto tail = read(size - tail_len, tail_len);
    if (!tail.ok()) return tail.error().Wrap(context);
    auto text = MetadataFromArchive(size, *tail, read, file);
    if (!text.ok()) return text.error().Wrap(context);
    out.text = std::move(text).value();
    return out;
  }

  // Files are immutable once published; the sha256 (when known) makes the
  // key change if an index ever serves different bytes under the same URL.
  const std::string cache_key = "core-metadata sha256=" + file.sha256().value_or("");
  if (options_.cache) {
    if (auto entry = options_.cache->Load(file.url(), cache_key)) {
      out.text = std::move(entry->body);
      out.origin = MetadataOrigin::kCache;
      return out;
    }
  }
  if (options_.offline) {
    return Error(context + ": not in the cache, and offline mode forbids the network (cache " +
                     Quote(options_.cache ? options_.cache->dir() : std::string("none")) + ")",
                 ErrorKind::kIo);
  }
  auto result = FetchRemote(file, context, out);
  if (result.ok() && options_.cache) {
    CacheEntry entry;
    entry.url = file.url();
    entry.effective_url = file.url();
    entry.stored_at = 0;
    entry.body = result->text;
    (void)options_.cache->Store(cache_key, entry);  // best effort
  }
  return result;
}

Result<RawMetadata> MetadataSource::FetchRemote(const DistFile& file, const std::string& context,
                                                RawMetadata out) const {
  auto get = [&](const std::string& url, http::Headers headers) {
    ++out.requests;
    http::Request r;
    r.url = url;
    r.headers = std::move(headers);
    return client_.Fetch(std::move(r)).get();
  };

  if (!file.is_wheel()) {
    http::Response whole = get(file.url(), {});
    if (!whole.ok()) return whole.error->Wrap(context);
    if (whole.status != 200) {
      return Error(context + ": HTTP " + std::to_string(whole.status), ErrorKind::kIo);
    }
    auto text = SdistPkgInfo(whole.body, file);
    if (!text.ok()) return text.error().Wrap(context);
    out.text = std::move(text).value();
    out.origin = MetadataOrigin::kWholeFile;
    return out;
  }

  // 1. PEP 658 metadata file.
  if (options_.use_metadata_file && file.has_core_metadata()) {
    http::Response r = get(file.url() + ".metadata", {});
    if (!r.ok()) return r.error->Wrap(context);
    if (r.status == 200) {
      auto want = file.core_metadata_hashes().find("sha256");
      if (want != file.core_metadata_hashes().end()) {
        std::string got = Sha256Hex(r.body);
        if (got != want->second) {
          return Error(context + ": the sha256 of " + Quote(http::RedactUrl(r.url)) + " is " + got +
                           ", the index says " + want->second + " (PEP 658)",
                       ErrorKind::kIo);
        }
      }
      out.text = std::move(r.body);
      out.origin = MetadataOrigin::kMetadataFile;
      return out;
    }
  }

  // 2. Range requests.
  if (options_.use_range_requests) {
    http::Response tail = get(file.url(), {{"Range", "bytes=-" + std::to_string(kZipTailBytes)}});
    if (!tail.ok()) return tail.error->Wrap(context);
    if (tail.status == 206) {
      auto total = TotalFromContentRange(tail.Header("content-range").value_or(""));
      std::string failure;
      if (total && tail.body.size() <= *total) {
        std::string read_error;
        ReadAt read = [&](uint64_t offset, uint64_t length) -> Result<std::string> {
          http::Response part =
              get(file.url(), {{"Range", "bytes=" + std::to_string(offset) + "-" +
                                             std::to_string(offset + length - 1)}});
          if (!part.ok()) return *part.error;
          if (part.status != 206 || part.body.size() != length) {
            return Error("range request answered with HTTP " + std::to_string(part.status),
                         ErrorKind::kIo);
          }
          return std::move(part.body);
        };
        auto text = MetadataFromArchive(*total, tail.body, read, file);
        if (text.ok()) {
          out.text = std::move(text).value();
          out.origin = MetadataOrigin::kRangeRequests;
          return out;
        }
        // A broken archive stays broken when downloaded whole; a failed
        // range request might not.
        if (text.error().kind() == ErrorKind::kInvalidInput) return text.error().Wrap(context);
      }
    } else if (tail.status == 200) {
      // The server ignored the range and sent the whole file.
      ReadAt read = [&tail](uint64_t offset, uint64_t length) -> Result<std::string> {
        return tail.body.substr(offset, length);
      };
      auto text = MetadataFromArchive(tail.body.size(), tail.body, read, file);
      if (!text.ok()) return text.error().Wrap(context);
      out.text = std::move(text).value();
      out.origin = MetadataOrigin::kWholeFile;
      return out;
    }
  }

  // 3. The whole file.
  http::Response whole = get(file.url(), {});
  if (!whole.ok()) return whole.error->Wrap(context);
  if (whole.status != 200) {
    return Error(context + ": HTTP " + std::to_string(whole.status), ErrorKind::kIo);
  }
  ReadAt read = [&whole](uint64_t offset, uint64_t length) -> Result<std::string> {
    return whole.body.substr(offset, length);
  };
  auto text = MetadataFromArchive(whole.body.size(), whole.body, read, file);
  if (!text.ok()) return text.error().Wrap(context);
  out.text = std::move(text).value();
  out.origin = MetadataOrigin::kWholeFile;
  return out;
}

Status CheckMetadataMatchesFile(const spec::Metadata& metadata, const DistFile& file) {
  if (metadata.normalized_name() != spec::NormalizeName(file.name()) ||
      !(metadata.version() == file.version())) {
    return Error("the metadata of " + Quote(file.filename()) + " names " +
                     Quote(metadata.name() + " " + metadata.version().ToString()) +
                     ", not the file's " + Quote(file.name() + " " + file.version().ToString()),
                 ErrorKind::kInvalidInput);
  }
  return Status::Ok();
}

Result<spec::Metadata> MetadataSource::Fetch(const DistFile& file) const {
  auto raw = FetchRaw(file);
  if (!raw.ok()) return raw.error();
  auto metadata = spec::Metadata::Parse(raw->text);
  if (!metadata.ok()) {
    return metadata.error().Wrap("the metadata of " + Quote(file.filename()) + " (" +
                                 std::string(ToString(raw->origin)) + ")");
  }
  Status match = CheckMetadataMatchesFile(*metadata, file);
  if (!match.ok()) return match.error();
  return std::move(metadata).value();
}

}  // namespace sparkenv::index
