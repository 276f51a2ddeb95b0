#include "fetch/fetcher.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
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
  // Downloads not started yet, biggest first; what is in flight
  // (FetchOptions::max_transfers, max_bytes_in_flight); `start` starts one.
  std::deque<const Blob*> queue;
  uint64_t bytes_in_flight = 0;
  size_t transfers = 0;
  uint64_t max_bytes = 0;
  size_t max_transfers = 1;
  std::function<void(const Blob&)> start;

  static uint64_t Weight(const Blob& b) { return b.item.size.value_or(uint64_t{1} << 20); }

  // The blobs to start now; called with `mu` held.
  std::vector<const Blob*> TakeStartable() {
    std::vector<const Blob*> out;
    while (!queue.empty() && transfers < max_transfers &&
           (transfers == 0 || bytes_in_flight + Weight(*queue.front()) <= max_bytes)) {
      out.push_back(queue.front());
      bytes_in_flight += Weight(*queue.front());
      ++transfers;
      queue.pop_front();
    }
    return out;
  }

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
    std::vector<const Blob*> next;
    {
      std::lock_guard<std::mutex> lock(mu);
      bytes_in_flight -= std::min(bytes_in_flight, Weight(blob));
      if (transfers > 0) --transfers;
      next = TakeStartable();
    }
    // This blob is still pending, so Fetch has not returned: `next` is alive.
    for (const Blob* b : next) start(*b);
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

// Starts one blob's download (or copy) and its check; ends in state->Done.
void StartBlob(http::Client& client, const BlobCache& cache, WorkerPool& pool,
               const FetchOptions& options, const std::shared_ptr<CallState>& state,
               const Blob& blob) {
  BlobSpec spec{blob.item.sha256, blob.item.size};
  auto temp = cache.NewTempPath(blob.item.sha256);
  if (!temp) {
    state->Done(blob, "", Error(Describe(blob.item) + ": " + temp.error().message()));
    return;
  }
  cache.RemoveStaleTemps(blob.item.sha256, options.stale_temp_age);
  {
    std::lock_guard<std::mutex> lock(state->mu);
    state->in_flight.insert(*temp);
  }
  auto verify = [&cache, state, &blob, spec, temp = *temp] {
    auto path = cache.Commit(temp, spec);
    if (!path) {
      state->Done(blob, temp, path.error().Wrap(Describe(blob.item)));
      return;
    }
    state->Done(blob, temp, std::move(path));
  };
  if (Scheme(blob.item.url) == "file") {
    std::string source = FilePath(blob.item.url).value_or("");
    pool.Post([state, &blob, source, temp = *temp, verify] {
      std::error_code ec;
      fs::copy_file(source, temp, fs::copy_options::overwrite_existing, ec);
      if (ec) {
        bool missing = !fs::exists(source);
        std::error_code ignored;
        fs::remove(temp, ignored);
        std::string message =
            Describe(blob.item) + ": cannot read " + Quote(source) + ": " + ec.message();
        state->Done(blob, temp, Error(message), Failure{blob.positions.front(), message, missing});
        return;
      }
      verify();
    });
    return;
  }
  http::Request request;
  request.url = blob.item.url;
  request.body_path = *temp;
  client.Submit(std::move(request), [&pool, state, &blob, temp = *temp,
                                     verify](http::Response response) {
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
      state->Done(blob, temp, Error(message), Failure{blob.positions.front(), message, not_found});
      return;
    }
    pool.Post(verify);  // hashing must not block the client's event loop
  });
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
  // Biggest first, a bounded number of bytes at a time: the big wheels, whose
  // install is the longest, arrive first and install while the small ones
  // download.
  std::vector<const Blob*> order = misses;
  std::stable_sort(order.begin(), order.end(), [](const Blob* a, const Blob* b) {
    return CallState::Weight(*a) > CallState::Weight(*b);
  });
  state->queue.assign(order.begin(), order.end());
  state->max_bytes = options_.max_bytes_in_flight;
  state->max_transfers = std::max<size_t>(1, options_.max_transfers);
  std::weak_ptr<CallState> weak = state;
  state->start = [this, weak](const Blob& blob) {
    if (auto locked = weak.lock()) StartBlob(client_, cache_, *pool_, options_, locked, blob);
  };
  std::vector<const Blob*> first;
  {
    std::lock_guard<std::mutex> lock(state->mu);
    first = state->TakeStartable();
  }
  for (const Blob* b : first) state->start(*b);

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
