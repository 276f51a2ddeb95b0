// Fetcher: brings a list of files (wheels, sdists) into the blob cache,
// verified, and returns their paths.
//
// For each file: a cache hit returns at once; otherwise an http(s) URL is
// downloaded through the http::Client (which runs many transfers at once,
// with a cap and retries) into a temporary file of the cache, and a file://
// URL (a find-links folder) is copied from disk. The temporary file's sha256
// and size are then checked on a bounded worker pool, so hashing overlaps
// with the downloads still running, and only a file that matches is renamed
// into the cache (blob_cache.h).
//
// All or nothing per call: Fetch returns every path, or one error that lists
// every file that failed (not just the first), each line naming the file and
// its URL. Files that did verify stay in the cache for next time.
//
// A Fetcher may be used from several threads, and several Fetchers (in one
// process or many) may share one cache folder.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "fetch/blob_cache.h"
#include "fetch/worker_pool.h"
#include "http/client.h"

namespace sparkenv::fetch {

struct FetchItem {
  std::string url;     // http://, https:// or file://
  std::string sha256;  // 64 hex digits (upper case is accepted)
  std::optional<uint64_t> size;
  std::string name;  // for messages, e.g. the file name; defaults to the URL's
};

struct FetchOptions {
  // Threads that hash and copy; 0 picks WorkerPool::DefaultThreads().
  int workers = 0;
  // Draw a progress bar on stderr (callers pass StderrIsTerminal() && !quiet).
  bool progress = false;
  // Downloads run at most this many at a time and, past the first, at most
  // this many bytes (by the sizes given) at a time, biggest first: the big
  // files arrive first, so that their (longer) use can start while the
  // small ones download.
  size_t max_transfers = 16;
  uint64_t max_bytes_in_flight = uint64_t{48} << 20;
  // Temporary files older than this, in the folders a fetch writes to, are
  // left over from a killed process and removed.
  std::chrono::seconds stale_temp_age{std::chrono::hours(24)};
};

struct FetchStats {
  size_t hits = 0;        // files found in the cache
  size_t downloaded = 0;  // files fetched (over HTTP or from disk)
  uint64_t bytes = 0;     // bytes fetched
};

class Fetcher {
 public:
  // `client` must outlive the Fetcher.
  Fetcher(http::Client& client, BlobCache cache, FetchOptions options = {});

  // The blob paths, in the order of `items`. A file listed twice (same
  // sha256) is fetched once. Errors: kInvalidInput when an item is malformed
  // (no URL, a sha256 that is not 64 hex digits, an unsupported scheme),
  // kNotFound when every failure is an HTTP 404/410 or a missing local file,
  // else kIo. Each failure is one line:
  //   'name' from URL: HTTP 404 (not found)
  //   'name' from URL: sha256 mismatch: expected <hex>, got <hex>
  //   'name' from URL: size mismatch: expected N bytes, got M (truncated download)
  //   'name': GET URL: connection refused (after 3 attempts)
  //
  // `on_ready(position, path)`, when given, is called for each item as soon
  // as its file is in the cache (a hit at once, from the calling thread; a
  // download once verified, from a worker thread; never for a failed one),
  // so that callers can start using files while others still download.
  // Fetch returns after every call has returned; callbacks must be
  // thread-safe and quick (hand work to a pool).
  using ReadyCallback = std::function<void(size_t position, const std::string& path)>;
  Result<std::vector<std::string>> Fetch(const std::vector<FetchItem>& items,
                                         FetchStats* stats = nullptr,
                                         const ReadyCallback& on_ready = nullptr);

  const BlobCache& cache() const { return cache_; }

 private:
  http::Client& client_;
  BlobCache cache_;
  FetchOptions options_;
  std::unique_ptr<WorkerPool> pool_;
};

}  // namespace sparkenv::fetch
