#include "fetch/cache_admin.h"

#include <filesystem>
#include <functional>

#include "base/strings.h"
#include "fetch/blob_cache.h"
#include "index/cache.h"

namespace sparkenv::fetch {

namespace fs = std::filesystem;

namespace {

enum class Kind { kComplete, kTemp, kOther };

using Classifier = std::function<Kind(const std::string& file_name)>;

Kind ClassifyBlob(const std::string& name) {
  if (IsSha256Hex(name)) return Kind::kComplete;
  return IsTempName(name) ? Kind::kTemp : Kind::kOther;
}

// layers-v1/ and built-v1/: "<64 hex>.json" records that point at blobs.
Kind ClassifyIndex(const std::string& name) {
  if (IsTempName(name)) return Kind::kTemp;
  return EndsWith(name, ".json") && IsSha256Hex(name.substr(0, name.size() - 5)) ? Kind::kComplete
                                                                                 : Kind::kOther;
}

Kind ClassifyHttp(const std::string& name) {
  if (IsTempName(name)) return Kind::kTemp;
  return EndsWith(name, ".entry") ? Kind::kComplete : Kind::kOther;
}

// Calls `visit` for each regular file under `folder` (recursively). A
// missing folder has no files.
Status Walk(const std::string& folder,
            const std::function<void(const fs::directory_entry&, Kind)>& visit,
            const Classifier& classify) {
  std::error_code ec;
  if (!fs::exists(folder, ec)) return Status::Ok();
  fs::recursive_directory_iterator it(folder, ec);
  for (fs::recursive_directory_iterator end; !ec && it != end; it.increment(ec)) {
    std::error_code ignored;
    if (!it->is_regular_file(ignored)) continue;
    visit(*it, classify(it->path().filename().string()));
  }
  if (ec) {
    return Error("cannot read the cache folder " + Quote(folder) + ": " + ec.message(),
                 ErrorKind::kIo);
  }
  return Status::Ok();
}

void Add(FileCount& count, const fs::directory_entry& entry) {
  std::error_code ec;
  uint64_t size = entry.file_size(ec);
  ++count.files;
  if (!ec) count.bytes += size;
}

}  // namespace

Result<CacheUsage> MeasureCache(const std::string& root) {
  CacheUsage usage;
  auto count = [&usage](FileCount& complete) {
    return [&usage, &complete](const fs::directory_entry& entry, Kind kind) {
      if (kind == Kind::kComplete) Add(complete, entry);
      if (kind == Kind::kTemp) Add(usage.temp, entry);
    };
  };
  Status s = Walk(root + "/" + kBlobFolder, count(usage.blobs), ClassifyBlob);
  if (!s.ok()) return s.error();
  for (const char* folder : {kLayerIndexFolder, kBuiltIndexFolder, kMergedIndexFolder}) {
    s = Walk(root + "/" + folder, count(usage.blobs), ClassifyIndex);
    if (!s.ok()) return s.error();
  }
  s = Walk(root + "/" + index::kCacheFolder, count(usage.http), ClassifyHttp);
  if (!s.ok()) return s.error();
  return usage;
}

Result<CleanReport> CleanCache(const std::string& root, const CleanOptions& options) {
  CleanReport report;
  auto now = fs::file_time_type::clock::now();
  auto clean = [&](const fs::directory_entry& entry, Kind kind) {
    if (kind == Kind::kOther) return;
    std::error_code ec;
    uint64_t size = entry.file_size(ec);
    if (kind == Kind::kTemp) {
      auto mtime = fs::last_write_time(entry.path(), ec);
      if (ec) return;  // gone already: its writer renamed or removed it
      if (now - mtime < options.temp_age) {
        ++report.temp_kept.files;
        report.temp_kept.bytes += size;
        return;
      }
    }
    if (fs::remove(entry.path(), ec) && !ec) {
      ++report.removed.files;
      report.removed.bytes += size;
    }
  };
  if (options.blobs) {
    Status s = Walk(root + "/" + kBlobFolder, clean, ClassifyBlob);
    if (!s.ok()) return s.error();
    for (const char* folder : {kLayerIndexFolder, kBuiltIndexFolder, kMergedIndexFolder}) {
      s = Walk(root + "/" + folder, clean, ClassifyIndex);
      if (!s.ok()) return s.error();
    }
  }
  if (options.http) {
    Status s = Walk(root + "/" + index::kCacheFolder, clean, ClassifyHttp);
    if (!s.ok()) return s.error();
  }
  return report;
}

}  // namespace sparkenv::fetch
