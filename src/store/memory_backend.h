// An in-memory Backend for the store logic's unit tests: a map of keys to
// bytes, with fault injection, a settable clock and a log of every call.
// It keeps the Backend contract (atomic writes, verified uploads, kNotFound
// reads, invalid keys refused with kInternal and recorded), so a test that
// passes on it exercises the logic, not the fake.
//
// Thread-safe. Put() and the fault hook let a test build a hostile store
// (objects under keys a real backend would never list, bytes that are not
// what their names say) and simulate failures and races.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "store/backend.h"

namespace sparkenv::store {

class MemoryBackend : public Backend {
 public:
  struct Object {
    std::string bytes;
    int64_t mtime_ms = 0;
    bool world_readable = true;
  };
  // Called before every operation with its name ("read", "download", "stat",
  // "list", "upload", "write", "remove") and key (the prefix for "list"),
  // without any lock held (it may call the backend). A failed Status is
  // returned by the operation, which then changes nothing.
  using Fault = std::function<Status(std::string_view op, std::string_view key)>;

  explicit MemoryBackend(std::string url = "mem://store") : url_(std::move(url)) {}

  void SetFault(Fault fault);
  // The clock that stamps written objects (Unix milliseconds); default 0.
  void SetNow(int64_t unix_ms);
  int64_t Now() const;
  // Stores raw bytes under any key (no validation), stamped `mtime_ms`.
  void Put(const std::string& key, std::string bytes, int64_t mtime_ms);
  std::optional<Object> Get(const std::string& key) const;
  std::map<std::string, Object> Objects() const;
  // "upload blobs/<sha>.tar.gz", "write envs/<id>.json", ... in call order
  // (only calls that passed the fault hook).
  std::vector<std::string> Log() const;
  void ClearLog();
  // Keys (and list prefixes) that failed ValidKey: the store logic must
  // never ask for one.
  std::vector<std::string> InvalidKeys() const;

  std::string DisplayUrl() const override { return url_; }
  std::string HadoopUrl(std::string_view key) const override;
  Result<std::string> Read(std::string_view key) override;
  Status Download(std::string_view key, const std::string& local_path) override;
  Result<std::optional<ObjectInfo>> Stat(std::string_view key) override;
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override;
  Status Upload(const std::string& local_path, std::string_view key,
                const WriteOptions& options) override;
  Status Write(std::string_view key, std::string_view bytes, const WriteOptions& options) override;
  Status Remove(std::string_view key) override;

 private:
  // Runs the fault hook and the key check; records the call.
  Status Enter(std::string_view op, std::string_view key, bool check_key = true);
  Status Store(std::string_view key, std::string bytes, const WriteOptions& options);

  std::string url_;
  mutable std::mutex mu_;
  Fault fault_;                            // guarded by mu_
  int64_t now_ms_ = 0;                     // guarded by mu_
  std::map<std::string, Object> objects_;  // guarded by mu_
  std::vector<std::string> log_;           // guarded by mu_
  std::vector<std::string> invalid_keys_;  // guarded by mu_
};

}  // namespace sparkenv::store
