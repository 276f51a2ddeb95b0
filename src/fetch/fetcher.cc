#include "fetch/fetcher.h"

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <utility>

#include "base/strings.h"
#include "fetch/progress.h"
#include "http/url.h"

namespace sparkenv::fetch {

namespace fs = std::filesystem;

namespace {

// One distinct blob of a Fetch call and the positions that asked for it.
struct Blob {
  FetchItem item;
  std::vector<size_t> positions;
};

struct Failure {
  size_t position;
  std::string message;
  bool not_found;
};

// What one Fetch call shares with the callbacks and jobs it starts.
struct CallState {
  std::mutex mu;
  std::condition_variable cv;
  size_t pending = 0;
  std::vector<std::string> paths;  // by position
  std::vector<Failure> failures;
  std::set<std::string> in_flight;  // temporary files being written or hashed
  uint64_t bytes_finished = 0;
  size_t files_done = 0;
  FetchStats stats;

  // Called (from any thread) for every verified file, once per position.
  std::function<void(size_t, const std::string&)> on_ready;

  void Done(const Blob& blob, const std::string& temp, Result<std::string> path,
            const std::optional<Failure>& failure = std::nullopt) {
    {
      std::lock_guard<std::mutex> lock(mu);
      in_flight.erase(temp);
      if (path) {
        for (size_t p : blob.positions) paths[p] = *path;
        std::error_code ec;
        uint64_t size = fs::file_size(*path, ec);
        if (!ec) {
          bytes_finished += size;
          stats.bytes += size;
        }
        ++stats.downloaded;
      } else {
        failures.push_back(
            failure.value_or(Failure{blob.positions.front(), path.error().message(), false}));
      }
    }
    // Outside the lock; before `pending` drops, so Fetch returns only after
    // every callback.
    if (path && on_ready) {
      for (size_t p : blob.positions) on_ready(p, *path);
    }
    std::lock_guard<std::mutex> lock(mu);
    ++files_done;
    --pending;
    cv.notify_all();
  }
};

std::string Describe(const FetchItem& item) {
  return Quote(item.name) + " from " + http::RedactUrl(item.url);
}

std::string StatusText(long status) {  // NOLINT(google-runtime-int)
  switch (status) {
    case 401:
      return "HTTP 401 (unauthorized: check the credentials for this host)";
    case 403:
      return "HTTP 403 (forbidden)";
    case 404:
      return "HTTP 404 (not found)";
    case 410:
      return "HTTP 410 (gone)";
    default:
      return "HTTP " + std::to_string(status);
  }
}

// The local path of a file:// URL, or nullopt for another host.
std::optional<std::string> FilePath(const std::string& url) {
  http::UrlParts parts = http::UrlParts::Parse(url);
  if (parts.has_authority && !parts.authority.empty() && parts.authority != "localhost") {
    return std::nullopt;
  }
  return http::PercentDecode(parts.path);
}

std::string Scheme(const std::string& url) {
  return ToLowerAscii(http::UrlParts::Parse(url).scheme);
}

}  // namespace

Fetcher::Fetcher(http::Client& client, BlobCache cache, FetchOptions options)
    : client_(client),
      cache_(std::move(cache)),
      options_(options),
      pool_(std::make_unique<WorkerPool>(options.workers > 0 ? options.workers
                                                             : WorkerPool::DefaultThreads())) {}

Result<std::vector<std::string>> Fetcher::Fetch(const std::vector<FetchItem>& items,
                                                FetchStats* stats, const ReadyCallback& on_ready) {
  // Check every item first: a malformed one fetches nothing.
  std::vector<std::string> invalid;
  std::vector<Blob> blobs;
  std::map<std::string, size_t> by_sha;
  for (size_t i = 0; i < items.size(); ++i) {
    FetchItem item = items[i];
    item.sha256 = ToLowerAscii(item.sha256);
    if (item.name.empty()) item.name = http::UrlFileName(item.url);
    if (item.name.empty()) item.name = item.url;
    std::string scheme = Scheme(item.url);
    if (item.url.empty()) {
      invalid.push_back(Quote(item.name) + ": no URL");
    } else if (scheme != "http" && scheme != "https" && scheme != "file") {
      invalid.push_back(Quote(item.name) + ": unsupported URL " + Quote(http::RedactUrl(item.url)) +
                        ": expected http://, https:// or file://");
    } else if (scheme == "file" && !FilePath(item.url)) {
      invalid.push_back(Quote(item.name) + ": unsupported URL " + Quote(item.url) +
                        ": a file:// URL must name a local path (no host)");
    }
    if (!IsSha256Hex(item.sha256)) {
      invalid.push_back(Quote(item.name) + ": invalid sha256 " + Quote(items[i].sha256) +
                        ": expected 64 hex digits");
      continue;
    }
    auto [it, inserted] = by_sha.emplace(item.sha256, blobs.size());
    if (inserted) {
      blobs.push_back(Blob{item, {i}});
      continue;
    }
    Blob& same = blobs[it->second];
    if (item.size && same.item.size && *item.size != *same.item.size) {
      invalid.push_back(Quote(item.name) + " and " + Quote(same.item.name) +
                        " have the same sha256 but different sizes (" + std::to_string(*item.size) +
                        " and " + std::to_string(*same.item.size) + " bytes)");
    }
    if (!same.item.size) same.item.size = item.size;
    same.positions.push_back(i);
  }
  if (!invalid.empty()) {
    if (invalid.size() == 1) return Error(invalid.front(), ErrorKind::kInvalidInput);
    return Error("invalid files to fetch:\n  " + Join(invalid, "\n  "), ErrorKind::kInvalidInput);
  }

  auto state = std::make_shared<CallState>();
  state->on_ready = on_ready;
  state->paths.resize(items.size());
  std::vector<const Blob*> misses;
  for (const Blob& blob : blobs) {
    auto path = cache_.Find(blob.item.sha256);
    if (!path) {
      misses.push_back(&blob);
      continue;
    }
    std::error_code ec;
    uint64_t size = fs::file_size(*path, ec);
    if (blob.item.size && !ec && size != *blob.item.size) {
      state->failures.push_back(
          {blob.positions.front(),
           Describe(blob.item) + ": size mismatch: expected " + std::to_string(*blob.item.size) +
               " bytes, but the file with this sha256 has " + std::to_string(size),
           false});
      continue;
    }
    for (size_t p : blob.positions) state->paths[p] = *path;
    ++state->stats.hits;
    if (on_ready) {
      for (size_t p : blob.positions) on_ready(p, *path);
    }
  }

  ProgressState progress;
  progress.files_total = misses.size();
  progress.bytes_total = 0;
  for (const Blob* blob : misses) {
    if (blob->item.size && progress.bytes_total) {
      *progress.bytes_total += *blob->item.size;
    } else {
      progress.bytes_total.reset();
    }
  }

  state->pending = misses.size();
  for (const Blob* blob_ptr : misses) {
    const Blob& blob = *blob_ptr;
    BlobSpec spec{blob.item.sha256, blob.item.size};
    auto temp = cache_.NewTempPath(blob.item.sha256);
    if (!temp) {
      state->Done(blob, "", Error(Describe(blob.item) + ": " + temp.error().message()));
      continue;
    }
    cache_.RemoveStaleTemps(blob.item.sha256, options_.stale_temp_age);
    {
      std::lock_guard<std::mutex> lock(state->mu);
      state->in_flight.insert(*temp);
    }
    auto verify = [this, state, &blob, spec, temp = *temp] {
      auto path = cache_.Commit(temp, spec);
      if (!path) {
        state->Done(blob, temp, path.error().Wrap(Describe(blob.item)));
        return;
      }
      state->Done(blob, temp, std::move(path));
    };
    if (Scheme(blob.item.url) == "file") {
      std::string source = FilePath(blob.item.url).value_or("");
      pool_->Post([state, &blob, source, temp = *temp, verify] {
        std::error_code ec;
        fs::copy_file(source, temp, fs::copy_options::overwrite_existing, ec);
        if (ec) {
          bool missing = !fs::exists(source);
          std::error_code ignored;
          fs::remove(temp, ignored);
          std::string message =
              Describe(blob.item) + ": cannot read " + Quote(source) + ": " + ec.message();
          state->Done(blob, temp, Error(message),
                      Failure{blob.positions.front(), message, missing});
          return;
        }
        verify();
      });
      continue;
    }
    http::Request request;
    request.url = blob.item.url;
    request.body_path = *temp;
    client_.Submit(std::move(request),
                   [this, state, &blob, temp = *temp, verify](http::Response response) {
                     std::string message;
                     bool not_found = false;
                     if (!response.ok()) {
                       message = Quote(blob.item.name) + ": " + response.error->message();
                     } else if (response.status != 200) {
                       message = Describe(blob.item) + ": " + StatusText(response.status);
                       not_found = response.status == 404 || response.status == 410;
                     }
                     if (!message.empty()) {
                       std::error_code ignored;
                       fs::remove(temp, ignored);
                       state->Done(blob, temp, Error(message),
                                   Failure{blob.positions.front(), message, not_found});
                       return;
                     }
                     pool_->Post(verify);  // hashing must not block the client's event loop
                   });
  }

  {
    std::unique_ptr<ProgressBar> bar;
    if (options_.progress && !misses.empty()) bar = std::make_unique<ProgressBar>(stderr);
    auto start = std::chrono::steady_clock::now();
    std::unique_lock<std::mutex> lock(state->mu);
    while (state->pending > 0) {
      state->cv.wait_for(lock, ProgressBar::kInterval);
      if (!bar) continue;
      progress.bytes_done = state->bytes_finished;
      for (const std::string& temp : state->in_flight) {
        std::error_code ec;
        uint64_t size = fs::file_size(temp, ec);
        if (!ec) progress.bytes_done += size;
      }
      progress.files_done = state->files_done;
      progress.seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      bar->Update(progress);
    }
    if (bar) bar->Finish();
  }

  std::lock_guard<std::mutex> lock(state->mu);
  if (stats) *stats = state->stats;
  if (state->failures.empty()) return state->paths;
  std::sort(state->failures.begin(), state->failures.end(),
            [](const Failure& a, const Failure& b) { return a.position < b.position; });
  bool all_not_found = std::all_of(state->failures.begin(), state->failures.end(),
                                   [](const Failure& f) { return f.not_found; });
  ErrorKind kind = all_not_found ? ErrorKind::kNotFound : ErrorKind::kIo;
  if (state->failures.size() == 1) return Error(state->failures.front().message, kind);
  std::string message = "cannot fetch " + std::to_string(state->failures.size()) + " of " +
                        std::to_string(blobs.size()) + " files:";
  for (const Failure& f : state->failures) message += "\n  " + f.message;
  return Error(message, kind);
}

}  // namespace sparkenv::fetch
