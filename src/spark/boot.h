// The bootstrap folder every activated Python process runs first
// (python/sparkenv/_boot.py): `sparkenv-boot-<16 hex>/` holding
//
//   sitecustomize.py        Python imports it at start-up; it runs the check
//   sparkenv/*.py           the package (the embedded sources)
//   sparkenv-boot.json      {"format": "sparkenv-boot/1", "manifest": {...}}
//
// named by the sha256 of its files, so the same environment and sparkenv
// build give the same name and the same archive every time. It is written
// under the cache root, as a folder (for a driver on this machine) and as a
// tar.gz (for spark.archives / spark.yarn.dist.archives):
//
//   <cache>/spark-v1/boot/<name>/        <cache>/spark-v1/boot/<name>.tar.gz
//
// Both are written to temporary names and renamed into place: concurrent
// writers are safe, and a reader never sees a partial bootstrap.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace sparkenv::spark {

inline constexpr char kSparkCacheFolder[] = "spark-v1";

struct Boot {
  std::string name;     // sparkenv-boot-<16 hex>
  std::string dir;      // the folder
  std::string archive;  // the .tar.gz
};

// The bootstrap's files: relative path -> bytes (sorted). `manifest_json`
// must be a validated manifest (env::FromJson).
Result<std::vector<std::pair<std::string, std::string>>> BootFiles(std::string_view manifest_json);

// sparkenv-boot-<first 16 hex of sha256 over every path and its bytes>.
std::string BootName(const std::vector<std::pair<std::string, std::string>>& files);

// Writes (or finds) the bootstrap for this manifest under `cache_root`.
Result<Boot> WriteBoot(std::string_view manifest_json, const std::string& cache_root);

}  // namespace sparkenv::spark
