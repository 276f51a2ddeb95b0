// The HTTP cache for index pages and metadata files.
//
// Layout (docs/index-client.md): <root>/simple-v1/<k[0:2]>/<k>.entry where
// k = sha256(url + "\n" + Accept) -- pages vary by Accept (PEP 691). The
// folder name carries the entry format's version: a new format gets a new
// folder and old ones are simply ignored. <root> is $SPARKENV_CACHE_DIR, else
// $XDG_CACHE_HOME/sparkenv, else ~/.cache/sparkenv.
//
// An entry file is one text line "sparkenv-cache-entry 1", one line of JSON
// (url, effective URL, status, stored-at, ETag, Last-Modified, max-age,
// no-cache, Content-Type), then the body. It is written to a temporary file
// in the same folder and renamed into place, so concurrent sparkenv
// processes see either the old or the new entry, never a torn one.
//
// CachingClient wraps an http::Client. For GET requests without Range and
// without a body file it
//   - answers from a fresh entry (age < Cache-Control max-age, no no-cache);
//   - revalidates a stale one with If-None-Match / If-Modified-Since, and on
//     304 answers from the entry (and refreshes its age);
//   - stores 200 answers unless Cache-Control says no-store;
//   - leaves the entry file alone when an answer (a 304, or a 200 identical
//     to the entry) changes nothing ever read: same validators and
//     directives, and an age that does not matter (max-age 0 or absent, or
//     no-cache).
// Every response it gives carries "x-sparkenv-cache: hit|revalidated|miss|
// offline". In offline mode the network is never used: entries are served
// whatever their age, and a missing entry is an error naming the URL.
// Other requests pass through unchanged.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "http/client.h"

namespace sparkenv::index {

inline constexpr char kCacheFolder[] = "simple-v1";

// The default cache root (see above); errors when no HOME is set either.
Result<std::string> DefaultCacheRoot();

struct CacheEntry {
  std::string url;
  std::string effective_url;
  long status = 200;      // NOLINT(google-runtime-int)
  int64_t stored_at = 0;  // seconds since the epoch
  std::optional<std::string> etag;
  std::optional<std::string> last_modified;
  std::optional<int64_t> max_age;  // seconds
  bool no_cache = false;
  std::optional<std::string> content_type;
  std::string body;

  bool IsFresh(int64_t now) const {
    return !no_cache && max_age && now >= stored_at && now - stored_at < *max_age;
  }
};

// Cache-Control directives the cache acts on.
struct CacheControl {
  std::optional<int64_t> max_age;
  bool no_cache = false;
  bool no_store = false;
  static CacheControl Parse(std::string_view header);
};

class HttpCache {
 public:
  // `root` is the cache root; entries live in root/simple-v1.
  explicit HttpCache(std::string root) : dir_(std::move(root) + "/" + kCacheFolder) {}

  const std::string& dir() const { return dir_; }
  std::string PathFor(const std::string& url, const std::string& accept) const;

  // nullopt when absent or unreadable (a corrupt entry reads as absent).
  std::optional<CacheEntry> Load(const std::string& url, const std::string& accept) const;
  Status Store(const std::string& accept, const CacheEntry& entry) const;

 private:
  std::string dir_;
};

enum class CacheMode { kDefault, kOffline, kRefresh };

class CachingClient : public http::Client {
 public:
  // `inner` may be null in offline mode only.
  CachingClient(std::shared_ptr<http::Client> inner, HttpCache cache,
                CacheMode mode = CacheMode::kDefault)
      : inner_(std::move(inner)), cache_(std::move(cache)), mode_(mode) {}

  void Submit(http::Request request, Callback done) override;

  const HttpCache& cache() const { return cache_; }

 private:
  std::shared_ptr<http::Client> inner_;
  HttpCache cache_;
  CacheMode mode_;
};

}  // namespace sparkenv::index
