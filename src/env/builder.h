// `sparkenv build` as a library: a pylock.toml in, an environment folder
// (manifest.h) out.
//
//   1. read and check the lock: every package must have exactly one wheel
//      with a sha256 (what `sparkenv lock` writes); the target comes from its
//      [tool.sparkenv] table;
//   2. reuse layers already built on this machine: the layer cache maps
//      (wheel sha256, target Python) to a layer archive in the blob cache
//      (<cache>/layers-v1/<k[0:2]>/<k>.json, k = sha256 of the key text);
//   3. fetch the wheels of the other layers (fetch/fetcher.h: parallel,
//      verified against the lock's sha256 and size, content-addressed);
//   4. install each wheel into its own tree (install/wheel_install.h, which
//      refuses unsafe archives) and pack it (layer_archive.h), on a pool of
//      worker threads, and record it in the layer cache;
//   5. lay out the environment in a temporary sibling of the output folder
//      -- manifest.json, layers/<sha256>.tar.gz (hard links into the cache
//      when possible) and, with a format, the classic single folder
//      (env/) or archive (env.tar.gz, env.zip) with every layer merged --
//      and rename it onto the output folder.
// On any error the temporary folder is removed: the output folder is then
// absent or exactly as before.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"
#include "env/manifest.h"

namespace sparkenv::env {

struct BuildOptions {
  std::string lock_path;
  std::string output_dir;
  std::string format;     // "" (layers only), "dir", "tar.gz" or "zip"
  std::string cache_dir;  // empty: index::DefaultCacheRoot()
  bool progress = false;  // progress bars on stderr
  int jobs = 0;           // install/pack threads; 0: the number of cores (at most 8)
};

struct BuildReport {
  Manifest manifest;
  size_t layers_cached = 0;  // reused from the layer cache
  size_t layers_built = 0;
  size_t wheels_downloaded = 0;
  uint64_t bytes_downloaded = 0;
};

Result<BuildReport> Build(const BuildOptions& options);

}  // namespace sparkenv::env
