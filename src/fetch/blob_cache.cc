#include "fetch/blob_cache.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>

#include "base/strings.h"
#include "index/sha256.h"

namespace sparkenv::fetch {

namespace fs = std::filesystem;

namespace {

bool IsLowerHex(char c) { return IsAsciiDigit(c) || (c >= 'a' && c <= 'f'); }

}  // namespace

bool IsSha256Hex(std::string_view hex) {
  if (hex.size() != 64) return false;
  for (char c : hex) {
    if (!IsLowerHex(c)) return false;
  }
  return true;
}

bool IsTempName(std::string_view file_name) {
  return file_name.find(".tmp.") != std::string_view::npos;
}

BlobCache::BlobCache(std::string root) : root_(std::move(root)), dir_(root_ + "/" + kBlobFolder) {}

std::string BlobCache::PathFor(std::string_view sha256) const {
  return dir_ + "/sha256/" + std::string(sha256.substr(0, 2)) + "/" + std::string(sha256);
}

std::optional<std::string> BlobCache::Find(std::string_view sha256) const {
  std::string path = PathFor(sha256);
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return path;
  return std::nullopt;
}

Result<std::string> BlobCache::NewTempPath(std::string_view sha256) const {
  std::string path = PathFor(sha256);
  fs::path folder = fs::path(path).parent_path();
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) {
    return Error("cannot create the cache folder " + Quote(folder.string()) + ": " + ec.message(),
                 ErrorKind::kIo);
  }
  // A name no other writer uses: pid plus random bits.
  std::random_device rd;
  return path + ".tmp." + std::to_string(getpid()) + "." + std::to_string(rd()) +
         std::to_string(rd());
}

Result<std::string> BlobCache::CommitWritten(const std::string& temp_path,
                                             const BlobSpec& spec) const {
  return CommitChecked(temp_path, spec, /*rehash=*/false);
}

Result<std::string> BlobCache::Commit(const std::string& temp_path, const BlobSpec& spec) const {
  return CommitChecked(temp_path, spec, /*rehash=*/true);
}

Result<std::string> BlobCache::CommitChecked(const std::string& temp_path, const BlobSpec& spec,
                                             bool rehash) const {
  auto fail = [&](Error error) -> Result<std::string> {
    std::error_code ignored;
    fs::remove(temp_path, ignored);
    return error;
  };
  std::error_code ec;
  uint64_t size = fs::file_size(temp_path, ec);
  if (ec) {
    return fail(Error("cannot read " + Quote(temp_path) + ": " + ec.message(), ErrorKind::kIo));
  }
  if (spec.size && size != *spec.size) {
    std::string why = size < *spec.size ? " (truncated download)" : "";
    return fail(Error("size mismatch: expected " + std::to_string(*spec.size) + " bytes, got " +
                          std::to_string(size) + why,
                      ErrorKind::kIo));
  }
  if (rehash) {
    auto hash = index::Sha256File(temp_path);
    if (!hash) return fail(hash.error());
    if (*hash != spec.sha256) {
      return fail(
          Error("sha256 mismatch: expected " + spec.sha256 + ", got " + *hash, ErrorKind::kIo));
    }
  }
  std::string path = PathFor(spec.sha256);
  if (std::rename(temp_path.c_str(), path.c_str()) != 0) {
    return fail(Error("cannot move " + Quote(temp_path) + " into the cache at " + Quote(path) +
                          ": " + std::strerror(errno),
                      ErrorKind::kIo));
  }
  return path;
}

void BlobCache::RemoveStaleTemps(std::string_view sha256, std::chrono::seconds age) const {
  fs::path folder = fs::path(PathFor(sha256)).parent_path();
  std::error_code ec;
  auto now = fs::file_time_type::clock::now();
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    if (!IsTempName(it->path().filename().string())) continue;
    std::error_code ignored;
    auto mtime = fs::last_write_time(it->path(), ignored);
    if (!ignored && now - mtime > age) fs::remove(it->path(), ignored);
  }
}

}  // namespace sparkenv::fetch
