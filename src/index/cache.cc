#include "index/cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "base/strings.h"
#include "http/url.h"
#include "index/sha256.h"

namespace sparkenv::index {

namespace {

constexpr char kMagic[] = "sparkenv-cache-entry 1";

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Moves the entry's body (a page can be megabytes) into the response.
http::Response FromEntry(CacheEntry&& e, const char* how) {
  http::Response r;
  r.url = e.url;
  r.effective_url = e.effective_url;
  r.status = e.status;
  r.body = std::move(e.body);
  if (e.content_type) r.headers.emplace_back("content-type", *e.content_type);
  if (e.etag) r.headers.emplace_back("etag", *e.etag);
  if (e.last_modified) r.headers.emplace_back("last-modified", *e.last_modified);
  r.headers.emplace_back("x-sparkenv-cache", how);
  return r;
}

// Refreshes the entry from a response's headers; returns whether the entry
// on disk must be rewritten to keep the cache's behaviour: a validator or a
// directive changed, or its age matters (a positive max-age without
// no-cache, so a later run may use it without a request). An entry that is
// revalidated every time anyway (max-age=0 or absent, or no-cache) is not
// rewritten on a 304: its stored-at is then never read.
bool UpdateValidators(CacheEntry& e, const http::Response& r, const CacheControl& cc) {
  bool changed = false;
  if (auto etag = r.Header("etag"); etag && etag != e.etag) {
    e.etag = etag;
    changed = true;
  }
  if (auto lm = r.Header("last-modified"); lm && lm != e.last_modified) {
    e.last_modified = lm;
    changed = true;
  }
  if (cc.max_age != e.max_age || cc.no_cache != e.no_cache) changed = true;
  e.max_age = cc.max_age;
  e.no_cache = cc.no_cache;
  e.stored_at = Now();
  bool age_matters = !e.no_cache && e.max_age && *e.max_age > 0;
  return changed || age_matters;
}

}  // namespace

Result<std::string> DefaultCacheRoot() {
  if (const char* dir = std::getenv("SPARKENV_CACHE_DIR"); dir && *dir) return std::string(dir);
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    return std::string(xdg) + "/sparkenv";
  }
  if (const char* home = std::getenv("HOME"); home && *home) {
    return std::string(home) + "/.cache/sparkenv";
  }
  return Error("no cache folder: set SPARKENV_CACHE_DIR (or HOME)", ErrorKind::kInvalidInput);
}

CacheControl CacheControl::Parse(std::string_view header) {
  CacheControl cc;
  for (const std::string& part : Split(header, ',')) {
    std::string d = ToLowerAscii(TrimAscii(part));
    if (d == "no-cache") {
      cc.no_cache = true;
    } else if (d == "no-store") {
      cc.no_store = true;
    } else if (StartsWith(d, "max-age=")) {
      std::string_view v = std::string_view(d).substr(8);
      if (!v.empty() && v.front() == '"' && v.back() == '"' && v.size() >= 2) {
        v = v.substr(1, v.size() - 2);
      }
      int64_t n = 0;
      bool ok = !v.empty() && v.size() <= 12;
      for (char c : v) {
        ok = ok && IsAsciiDigit(c);
        if (ok) n = n * 10 + (c - '0');
      }
      if (ok) cc.max_age = n;
    }
  }
  return cc;
}

std::string HttpCache::PathFor(const std::string& url, const std::string& accept) const {
  std::string key = Sha256Hex(url + "\n" + accept);
  return dir_ + "/" + key.substr(0, 2) + "/" + key + ".entry";
}

namespace {

// The whole file, or nullopt when it cannot be read: one open, fstat and
// read (entries are read on every warm lock; no stream machinery). Entries
// are never modified in place (they are replaced by rename), so the size
// fstat gives is the size to read.
std::optional<std::string> ReadWholeFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size < 0) {
    ::close(fd);
    return std::nullopt;
  }
  std::string data(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < data.size()) {
    ssize_t n = ::read(fd, data.data() + got, data.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  if (got != data.size()) return std::nullopt;
  return data;
}

}  // namespace

std::optional<CacheEntry> HttpCache::Load(const std::string& url, const std::string& accept) const {
  std::optional<std::string> data = ReadWholeFile(PathFor(url, accept));
  if (!data) return std::nullopt;
  std::string_view text = *data;
  size_t magic_end = text.find('\n');
  if (magic_end == std::string_view::npos || text.substr(0, magic_end) != kMagic) {
    return std::nullopt;
  }
  size_t header_end = text.find('\n', magic_end + 1);
  if (header_end == std::string_view::npos) return std::nullopt;
  auto j = nlohmann::json::parse(text.substr(magic_end + 1, header_end - magic_end - 1), nullptr,
                                 /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  CacheEntry e;
  auto str = [&](const char* key) -> std::optional<std::string> {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  auto num = [&](const char* key) -> std::optional<int64_t> {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_integer()) return std::nullopt;
    return it->get<int64_t>();
  };
  auto entry_url = str("url");
  auto stored = num("stored-at");
  auto status = num("status");
  if (!entry_url || *entry_url != url || !stored || !status) return std::nullopt;
  e.url = *entry_url;
  e.effective_url = str("effective-url").value_or(url);
  e.status = static_cast<long>(*status);  // NOLINT(google-runtime-int)
  e.stored_at = *stored;
  e.etag = str("etag");
  e.last_modified = str("last-modified");
  e.max_age = num("max-age");
  e.no_cache = j.value("no-cache", false);
  e.content_type = str("content-type");
  // The body is the rest: drop the two header lines in place, no copy.
  data->erase(0, header_end + 1);
  e.body = std::move(*data);
  return e;
}

Status HttpCache::Store(const std::string& accept, const CacheEntry& e) const {
  std::string path = PathFor(e.url, accept);
  std::filesystem::path folder = std::filesystem::path(path).parent_path();
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec) {
    return Error("cannot create the cache folder " + Quote(folder.string()) + ": " + ec.message(),
                 ErrorKind::kIo);
  }
  nlohmann::json j = {{"url", e.url},
                      {"effective-url", e.effective_url},
                      {"status", e.status},
                      {"stored-at", e.stored_at},
                      {"no-cache", e.no_cache}};
  if (e.etag) j["etag"] = *e.etag;
  if (e.last_modified) j["last-modified"] = *e.last_modified;
  if (e.max_age) j["max-age"] = *e.max_age;
  if (e.content_type) j["content-type"] = *e.content_type;
  // A name no other writer uses: pid plus random bits.
  std::random_device rd;
  std::string tmp = path + ".tmp." + std::to_string(getpid()) + "." + std::to_string(rd());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << kMagic << "\n"
        << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n"
        << e.body;
    out.flush();
    if (!out) {
      std::filesystem::remove(tmp, ec);
      return Error("cannot write the cache entry " + Quote(tmp), ErrorKind::kIo);
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string why = std::strerror(errno);
    std::filesystem::remove(tmp, ec);
    return Error("cannot write the cache entry " + Quote(path) + ": " + why, ErrorKind::kIo);
  }
  return Status::Ok();
}

void CachingClient::Submit(http::Request request, Callback done) {
  bool cacheable = request.method == http::Method::kGet && !request.body_path &&
                   !http::FindHeader(request.headers, "Range");
  if (!cacheable) {
    if (mode_ == CacheMode::kOffline || !inner_) {
      http::Response r;
      r.url = request.url;
      r.error = Error("GET " + http::RedactUrl(request.url) +
                          ": offline mode, and only index pages and metadata files are cached",
                      ErrorKind::kIo);
      done(std::move(r));
      return;
    }
    inner_->Submit(std::move(request), std::move(done));
    return;
  }
  std::string accept = http::FindHeader(request.headers, "Accept").value_or("");
  std::optional<CacheEntry> entry = cache_.Load(request.url, accept);
  if (mode_ == CacheMode::kOffline || !inner_) {
    if (entry) {
      done(FromEntry(std::move(*entry), "offline"));
      return;
    }
    http::Response r;
    r.url = request.url;
    r.error = Error("GET " + http::RedactUrl(request.url) +
                        ": not in the cache, and offline mode forbids the network (cache " +
                        Quote(cache_.dir()) + ")",
                    ErrorKind::kIo);
    done(std::move(r));
    return;
  }
  if (entry && mode_ == CacheMode::kDefault && entry->IsFresh(Now())) {
    done(FromEntry(std::move(*entry), "hit"));
    return;
  }
  if (entry) {
    if (entry->etag) request.headers.emplace_back("If-None-Match", *entry->etag);
    if (entry->last_modified)
      request.headers.emplace_back("If-Modified-Since", *entry->last_modified);
  }
  HttpCache cache = cache_;
  inner_->Submit(std::move(request), [cache, accept, entry = std::move(entry),
                                      done = std::move(done)](http::Response r) mutable {
    if (!r.ok()) {
      done(std::move(r));
      return;
    }
    CacheControl cc = CacheControl::Parse(r.Header("cache-control").value_or(""));
    if (r.status == 304 && entry) {
      if (UpdateValidators(*entry, r, cc)) {
        (void)cache.Store(accept, *entry);  // a failed refresh only costs a revalidation
      }
      http::Response cached = FromEntry(std::move(*entry), "revalidated");
      cached.attempts = r.attempts;
      done(std::move(cached));
      return;
    }
    if (r.status == 200 && !cc.no_store && entry && entry->status == 200 &&
        entry->effective_url == r.effective_url && entry->body == r.body &&
        entry->content_type == r.Header("content-type") && entry->etag == r.Header("etag") &&
        entry->last_modified == r.Header("last-modified") && !UpdateValidators(*entry, r, cc)) {
      // The same answer as the entry's (a server that sends no validators
      // answers 200 every time): rewriting the entry would change nothing
      // but its stored-at, which an entry revalidated every time never
      // reads. Writing a file is the costly part of caching.
    } else if (r.status == 200 && !cc.no_store) {
      CacheEntry fresh;
      fresh.url = r.url;
      fresh.effective_url = r.effective_url;
      fresh.status = r.status;
      fresh.content_type = r.Header("content-type");
      fresh.body = r.body;
      (void)UpdateValidators(fresh, r, cc);
      (void)cache.Store(accept, fresh);  // caching is best effort
    }
    r.headers.emplace_back("x-sparkenv-cache", "miss");
    done(std::move(r));
  });
}

}  // namespace sparkenv::index
