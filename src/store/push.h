// `sparkenv push` as a library: publishes an environment folder written by
// `sparkenv build` to a store, content-addressed, in the order that makes
// it atomic for readers (docs/store-format.md, "Push"):
//
//   1. read the store marker (write it when the store is new);
//   2. Stat every layer's blob in parallel; upload the missing ones in
//      parallel (each checked against its sha256 locally first, then
//      verified by the backend after the upload);
//   3. write envs/<env id>.json, unless the same bytes are already there;
//      then Stat again the blobs that were already in the store, and upload
//      any that vanished meanwhile (a `gc` racing with this push);
//   4. move each tag (tags/<name>/<tag>.json, written atomically) unless it
//      already names this environment.
//
// A failure at any step returns before the next: a failed upload leaves no
// manifest and no tag. Nothing is written before the inputs (the folder,
// the tags) are checked.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "store/backend.h"
#include "store/layout.h"

namespace sparkenv::store {

struct PushOptions {
  std::string env_dir;         // written by `sparkenv build`: manifest.json + layers/
  std::vector<TagName> tags;   // to move to this environment
  bool world_readable = true;  // false: --private
  int jobs = 8;                // transfers at once
  bool progress = false;       // a progress bar on stderr while uploading
  // Test hook (SPARKENV_TEST_THROTTLE_BPS, docs/store.md): when > 0, each
  // blob upload first sleeps size / throttle_bps seconds, so a test can
  // kill a push midway. 0 in production.
  uint64_t throttle_bps = 0;
};

struct PushReport {
  std::string env_id;
  size_t packages = 0;
  uint64_t size = 0;                 // of the environment's layers
  size_t blobs = 0;                  // distinct layer blobs of the environment
  size_t blobs_uploaded = 0;         // ... the store lacked, uploaded
  size_t blobs_present = 0;          // ... already in the store
  uint64_t blob_bytes_uploaded = 0;  // sum of the uploaded blobs' sizes
  uint64_t bytes_sent = 0;           // everything the backend sent (Backend::counters)
  bool store_created = false;        // the marker was written
  bool manifest_written = false;     // false: the same manifest was there
  struct TagChange {
    TagName tag;
    std::string previous_env_id;  // empty: a new tag
    bool moved = false;           // false: it already named this environment
  };
  std::vector<TagChange> tags;
  double seconds = 0;
};

Result<PushReport> Push(Backend& backend, const PushOptions& options);

}  // namespace sparkenv::store
