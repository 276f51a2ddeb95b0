// Keeping a store understandable and small: `sparkenv ls`, `rm` and `gc` as
// a library (docs/store.md). Everything read from the store is validated
// (layout.h, ReadManifest); what cannot be read is reported, never trusted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/backend.h"
#include "store/layout.h"
#include "store/store.h"

namespace sparkenv::store {

// ---- ls ----

struct StoreListing {
  struct Tag {
    TagName tag;
    std::string env_id;   // empty when the tag file is invalid (see warnings)
    std::string updated;  // RFC 3339, from the tag file
    bool env_present = false;
  };
  struct Env {
    std::string env_id;
    int64_t pushed_ms = 0;  // the manifest's mtime
    std::string python;     // the target's python_full_version (else python_version)
    std::string platform;   // the target's sys_platform / platform_machine
    size_t packages = 0;
    uint64_t size = 0;             // of its layers
    uint64_t installed_bytes = 0;  // of its layers' trees
    size_t missing_blobs = 0;      // layers whose blob is not in the store
    std::vector<TagName> tags;     // the tags naming it
  };
  std::string url;
  std::vector<Tag> tags;  // sorted
  std::vector<Env> envs;  // newest first
  size_t blobs = 0;       // blobs/<sha256>.tar.gz objects
  uint64_t blob_bytes = 0;
  size_t unreferenced_blobs = 0;  // no manifest names them (gc candidates)
  uint64_t unreferenced_bytes = 0;
  // What was skipped: unreadable tags or manifests, foreign objects.
  std::vector<std::string> warnings;
};

Result<StoreListing> ListStore(Backend& backend, int jobs);

// ---- rm ----

struct RemoveReport {
  bool removed_env = false;   // false: a tag was removed
  TagName tag;                // the tag removed (!removed_env)
  std::string env_id;         // the environment removed, or the one the tag named (may be empty)
  std::vector<TagName> tags;  // removed_env: the tags removed with it (--force)
};

// Removes the tag of a kTag reference, or the manifest of a kId reference:
// refused (kInvalidInput) while tags name the environment, unless `force`,
// which removes those tags first. Blobs stay until `gc`.
Result<RemoveReport> RemoveRef(Backend& backend, const EnvRef& ref, bool force, int jobs);

// ---- gc ----

// "30s", "15m", "24h", "7d", "2w", combinations such as "1h30m", or "0":
// milliseconds. Errors name the value:
//   invalid --grace '3x': expected a duration such as 30m, 24h or 7d
Result<int64_t> ParseDuration(std::string_view text);

struct GcOptions {
  int64_t grace_ms = 24LL * 3600 * 1000;
  bool dry_run = false;
  int64_t now_ms = 0;  // 0: the system clock
  int jobs = 8;
};

struct GcReport {
  struct Item {
    std::string key;
    uint64_t size = 0;
    int64_t mtime_ms = 0;
  };
  std::vector<Item> removed;  // blobs, temporary objects, launchers (dry run: what would go)
  uint64_t bytes_removed = 0;
  size_t envs = 0;              // manifests read
  size_t blobs_referenced = 0;  // kept: a manifest names them
  size_t blobs_young = 0;       // kept: unreferenced, younger than the grace period
  // kept: temporary objects (tmp/ and launch/) younger than the grace period
  size_t temps_young = 0;
  size_t foreign = 0;  // objects under blobs/, tmp/ or launch/ that are not sparkenv's: kept
};

// Removes blobs no manifest references, temporary objects under tmp/ and
// launchers under launch/ (a driver reads its launcher once, when it
// starts), all only when older than the grace period. Manifests are listed again
// just before removing, so one written during the scan keeps its blobs. A
// manifest that cannot be read stops gc before it removes anything.
Result<GcReport> CollectGarbage(Backend& backend, const GcOptions& options);

}  // namespace sparkenv::store
