// `sparkenv build` as a library: a pylock.toml in, an environment folder
// (manifest.h) out.
//
//   1. read and check the lock: every package has exactly one wheel, or an
//      sdist (what `sparkenv lock` writes when no wheel fits), with a sha256;
//      the target comes from its [tool.sparkenv] table;
//   2. reuse what was built on this machine before: the layer cache maps
//      (wheel sha256, target Python) to a layer archive in the blob cache
//      (<cache>/layers-v1/<k[0:2]>/<k>.json), the built-wheel cache maps
//      (sdist sha256, build interpreter, target) to the wheel built from it
//      (<cache>/built-v1/<k[0:2]>/<k>.json, the wheel itself a blob);
//   3. fetch the wheels and sdists still needed (fetch/fetcher.h: parallel,
//      verified against the lock's sha256 and size, content-addressed); as
//      each wheel arrives, its layer is installed (install/wheel_install.h,
//      which refuses unsafe archives) and packed (layer_archive.h) on a pool
//      of worker threads, while the other downloads go on;
//   4. build a wheel from each sdist (unpacked safely, then the PEP 517
//      hooks in an isolated build environment: wheelbuild/) and from the
//      application folder (--app), check that it fits the target
//      (lock_target.h), and install it as a layer like any wheel;
//   5. lay out the environment in a temporary sibling of the output folder
//      -- manifest.json, layers/<sha256>.tar.gz (hard links into the cache
//      when possible) and, with a format, the classic single folder (env/)
//      or archive (env.tar.gz, env.zip) with every layer merged -- and
//      rename it onto the output folder.
// On any error the temporary folder is removed: the output folder is then
// absent or exactly as before. Temporary folders left by a killed build
// (whose process is gone) are removed by the next build into the same
// output folder.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "env/manifest.h"
#include "spec/target.h"

namespace sparkenv::env {

struct BuildOptions {
  std::string lock_path;
  std::string output_dir;
  std::string format;     // "" (layers only), "dir", "tar.gz" or "zip"
  std::string cache_dir;  // empty: index::DefaultCacheRoot()
  bool progress = false;  // progress bars on stderr
  int jobs = 0;           // install/pack threads; 0: the number of cores (at most 8)

  // The user's own project (a folder with pyproject.toml or setup.py):
  // built into a wheel and added as one more layer.
  std::string app_dir;
  // The interpreter that runs build backends: a path or a name on PATH.
  // Empty: "python3". When set, it must match the lock's target (Python
  // version, implementation, platform and machine).
  std::string build_python;
  // The lock's target, when the build must check a built wheel that is not
  // pure Python against a target the lock does not let sparkenv recover
  // (lock_target.h). Checked against the lock.
  std::optional<spec::TargetOptions> target;
  // Where build requirements come from: by default the lock's indexes and
  // find-links ([tool.sparkenv]); index_urls replaces the indexes, find_links
  // adds to the find-links, no_index drops the indexes.
  std::optional<std::vector<std::string>> index_urls;
  std::vector<std::string> find_links;
  bool no_index = false;
  // Called with one line per build step worth telling a user about
  // ("Building tomli 2.2.1 from tomli-2.2.1.tar.gz"); may be empty.
  std::function<void(const std::string&)> log;
};

struct BuildReport {
  Manifest manifest;
  size_t layers_cached = 0;  // reused from the layer cache
  size_t layers_built = 0;
  size_t wheels_downloaded = 0;  // files downloaded: wheels and sdists
  uint64_t bytes_downloaded = 0;
  size_t sdists = 0;        // packages locked as sdists
  size_t sdists_built = 0;  // of which built now (not from the built-wheel cache)
};

Result<BuildReport> Build(const BuildOptions& options);

}  // namespace sparkenv::env
