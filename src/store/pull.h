// `sparkenv pull` as a library: copies an environment out of a store into a
// local folder with the layout `sparkenv build` writes (manifest.json, the
// manifest's bytes as stored, and layers/<sha256>.tar.gz), byte for byte.
//
// Blobs are downloaded in parallel into a temporary sibling of the output
// folder, each checked against the manifest's sha256 and size; the folder
// is then renamed onto the output. A previous environment folder there is
// replaced whole; any other non-empty folder is refused. On any error the
// output is absent or as it was.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"
#include "store/backend.h"
#include "store/store.h"

namespace sparkenv::store {

struct PullOptions {
  std::string output_dir;
  int jobs = 8;
  bool progress = false;  // a progress bar on stderr
};

struct PullReport {
  std::string env_id;
  size_t layers = 0;
  uint64_t bytes = 0;  // of the blobs
  double seconds = 0;
};

// Pulls the already resolved environment `env` (ResolveEnvIn) from `backend`.
Result<PullReport> Pull(Backend& backend, const ResolvedEnv& env, const PullOptions& options);

}  // namespace sparkenv::store
