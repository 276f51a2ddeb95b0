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

#include <cstdint>
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

// Where executors on a standalone cluster keep layers across applications
// (--node-cache, python/sparkenv/_nodecache.py): the folder and, per layer
// in the manifest's order, a URL the bootstrap can read with the Python
// standard library (file://, or http(s):// such as WebHDFS's OPEN).
struct NodeCache {
  std::string dir;
  struct Layer {
    std::string sha256;
    uint64_t size = 0;
    std::string url;
  };
  std::vector<Layer> layers;
};

// The bootstrap's files: relative path -> bytes (sorted). `manifest_json`
// must be a validated manifest (env::FromJson); `node_cache`, when given,
// goes into sparkenv-boot.json.
Result<std::vector<std::pair<std::string, std::string>>> BootFiles(
    std::string_view manifest_json, const NodeCache* node_cache = nullptr);

// sparkenv-boot-<first 16 hex of sha256 over every path and its bytes>.
std::string BootName(const std::vector<std::pair<std::string, std::string>>& files);

// Writes (or finds) the bootstrap for this manifest under `cache_root`.
Result<Boot> WriteBoot(std::string_view manifest_json, const std::string& cache_root,
                       const NodeCache* node_cache = nullptr);

// Standalone cluster mode (docs/spark.md). spark-submit refuses a Python
// application there, so `sparkenv submit` gives it a launcher as a JVM
// application run by org.apache.spark.deploy.PythonRunner: the worker that
// hosts the driver downloads the launcher into the driver's folder and runs
// `python <name>.jar ARGS...`. The launcher is a zip holding the bootstrap's
// files (BootFiles with `node_cache`: the driver and the executors fetch the
// layers themselves), __main__.py (python/sparkenv/_launch_main.py),
// sparkenv-launch.json naming the application, and the application script
// under sparkenv-app/. The same archive is the executors' bootstrap
// (spark.archives <url>#<name>).
//
//   <cache>/spark-v1/launch/<name>.jar   name: BootName of all its files
struct Launcher {
  std::string name;    // sparkenv-boot-<16 hex>
  std::string jar;     // the local file
  std::string sha256;  // of the jar's bytes
  uint64_t size = 0;
};

// The launcher's files (sorted). `app_name` is the script's file name.
Result<std::vector<std::pair<std::string, std::string>>> LauncherFiles(
    std::string_view manifest_json, const NodeCache& node_cache, std::string_view app_name,
    std::string_view app_bytes);

// Writes (or finds) the launcher for this manifest and the application
// script at `app_path` (a local file; errors name it).
Result<Launcher> WriteLauncher(std::string_view manifest_json, const std::string& cache_root,
                               const NodeCache& node_cache, const std::string& app_path);

}  // namespace sparkenv::spark
