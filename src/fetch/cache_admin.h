// What `sparkenv cache info` and `sparkenv cache clean` do: measure and empty
// the cache folders (blobs-v1, the blob cache, with layers-v1 and built-v1,
// the records that point at its blobs; simple-v1, the HTTP cache).
//
// Cleaning is safe while other sparkenv processes use the cache: only
// complete entries (a blob named by its sha256, an HTTP entry ending in
// ".entry") and temporary files older than CleanOptions::temp_age are
// removed. A temporary file younger than that may belong to a download in
// progress and is kept. Folders are kept (a writer may be about to use one).
// Files of other names are never touched.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "base/result.h"

namespace sparkenv::fetch {

struct FileCount {
  uint64_t files = 0;
  uint64_t bytes = 0;
};

struct CacheUsage {
  FileCount blobs;  // complete blobs in blobs-v1, records in layers-v1 and built-v1
  FileCount http;   // complete entries in simple-v1
  FileCount temp;   // temporary files in either
};

// A missing root (or folder) counts as empty. Errors name the folder that
// could not be read.
Result<CacheUsage> MeasureCache(const std::string& root);

struct CleanOptions {
  bool blobs = true;
  bool http = true;
  // Temporary files at least this old (by modification time) are removed.
  std::chrono::seconds temp_age{std::chrono::hours(1)};
};

struct CleanReport {
  FileCount removed;
  FileCount temp_kept;  // temporary files younger than temp_age
};

Result<CleanReport> CleanCache(const std::string& root, const CleanOptions& options);

}  // namespace sparkenv::fetch
