// The driver's local copy of an environment (client mode and local
// masters): each layer unpacked once per machine into sparkenv's cache,
// shared by every later application that uses it.
//
//   <cache>/spark-v1/layers/<sha256>/            the layer's tree (site-packages/, bin/, ...)
//   <cache>/spark-v1/layers/<sha256>.tmp.<...>/  being unpacked
//
// A layer is read from its file:// URL in place (a local build folder or a
// file:// store), or downloaded from its store into the blob cache
// (docs/cache.md); either way its sha256 is checked before it is unpacked.
// Each layer is unpacked into a temporary folder renamed into place, so
// concurrent applications are safe and a folder under its final name is
// always complete.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "store/backend.h"
#include "store/store.h"

namespace sparkenv::spark {

struct Materialized {
  std::vector<std::string> site_dirs;  // <layer>/site-packages, in the manifest's order
  int unpacked = 0;                    // layers unpacked by this call (the rest were cached)
};

// `jobs` layers are unpacked at once (< 1: the default of fetch::WorkerPool).
Result<Materialized> MaterializeLayers(const store::ResolvedEnv& env, const std::string& cache_root,
                                       const store::OpenOptions& options, int jobs = 0);

}  // namespace sparkenv::spark
