#include "store/memory_backend.h"

#include <fstream>
#include <sstream>

#include "base/strings.h"
#include "index/sha256.h"

namespace sparkenv::store {

void MemoryBackend::SetFault(Fault fault) {
  std::lock_guard<std::mutex> lock(mu_);
  fault_ = std::move(fault);
}

void MemoryBackend::SetNow(int64_t unix_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  now_ms_ = unix_ms;
}

int64_t MemoryBackend::Now() const {
  std::lock_guard<std::mutex> lock(mu_);
  return now_ms_;
}

void MemoryBackend::Put(const std::string& key, std::string bytes, int64_t mtime_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  objects_[key] = Object{std::move(bytes), mtime_ms, true};
}

std::optional<MemoryBackend::Object> MemoryBackend::Get(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return std::nullopt;
  return it->second;
}

std::map<std::string, MemoryBackend::Object> MemoryBackend::Objects() const {
  std::lock_guard<std::mutex> lock(mu_);
  return objects_;
}

std::vector<std::string> MemoryBackend::Log() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_;
}

void MemoryBackend::ClearLog() {
  std::lock_guard<std::mutex> lock(mu_);
  log_.clear();
}

std::vector<std::string> MemoryBackend::InvalidKeys() const {
  std::lock_guard<std::mutex> lock(mu_);
  return invalid_keys_;
}

std::string MemoryBackend::HadoopUrl(std::string_view key) const {
  return url_ + "/" + std::string(key);
}

Status MemoryBackend::Enter(std::string_view op, std::string_view key, bool check_key) {
  Fault fault;
  {
    std::lock_guard<std::mutex> lock(mu_);
    fault = fault_;
  }
  if (fault) {
    Status s = fault(op, key);
    if (!s.ok()) return s;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (check_key && !ValidKey(key)) {
    invalid_keys_.emplace_back(key);
    return Error("invalid store key " + Quote(key), ErrorKind::kInternal);
  }
  log_.push_back(std::string(op) + " " + std::string(key));
  return Status();
}

Result<std::string> MemoryBackend::Read(std::string_view key) {
  Status s = Enter("read", key);
  if (!s.ok()) return s.error();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(std::string(key));
  if (it == objects_.end()) {
    return Error("cannot read " + Quote(HadoopUrl(key)) + ": no such object", ErrorKind::kNotFound);
  }
  counters().bytes_received += it->second.bytes.size();
  ++counters().requests;
  return it->second.bytes;
}

Status MemoryBackend::Download(std::string_view key, const std::string& local_path) {
  Status s = Enter("download", key);
  if (!s.ok()) return s;
  std::string bytes;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = objects_.find(std::string(key));
    if (it == objects_.end()) {
      return Error("cannot read " + Quote(HadoopUrl(key)) + ": no such object",
                   ErrorKind::kNotFound);
    }
    bytes = it->second.bytes;
  }
  std::ofstream out(local_path, std::ios::binary | std::ios::trunc);
  out << bytes;
  out.flush();
  if (!out) return Error("cannot write " + Quote(local_path), ErrorKind::kIo);
  counters().bytes_received += bytes.size();
  ++counters().requests;
  return Status();
}

Result<std::optional<ObjectInfo>> MemoryBackend::Stat(std::string_view key) {
  Status s = Enter("stat", key);
  if (!s.ok()) return s.error();
  std::lock_guard<std::mutex> lock(mu_);
  ++counters().requests;
  auto it = objects_.find(std::string(key));
  if (it == objects_.end()) return std::optional<ObjectInfo>();
  return std::optional<ObjectInfo>(
      ObjectInfo{std::string(key), it->second.bytes.size(), it->second.mtime_ms});
}

Result<std::vector<ObjectInfo>> MemoryBackend::List(std::string_view prefix) {
  Status s = Enter("list", prefix, /*check_key=*/false);
  if (!s.ok()) return s.error();
  std::lock_guard<std::mutex> lock(mu_);
  ++counters().requests;
  std::vector<ObjectInfo> out;
  for (const auto& [key, object] : objects_) {
    if (StartsWith(key, prefix))
      out.push_back(ObjectInfo{key, object.bytes.size(), object.mtime_ms});
  }
  return out;
}

Status MemoryBackend::Store(std::string_view key, std::string bytes, const WriteOptions& options) {
  if (!options.sha256.empty() && index::Sha256Hex(bytes) != options.sha256) {
    return Error("verification of " + Quote(HadoopUrl(key)) + " failed", ErrorKind::kIo);
  }
  std::lock_guard<std::mutex> lock(mu_);
  counters().bytes_sent += bytes.size();
  ++counters().requests;
  objects_[std::string(key)] = Object{std::move(bytes), now_ms_, options.world_readable};
  return Status();
}

Status MemoryBackend::Upload(const std::string& local_path, std::string_view key,
                             const WriteOptions& options) {
  Status s = Enter("upload", key);
  if (!s.ok()) return s;
  std::ifstream in(local_path, std::ios::binary);
  if (!in) return Error("cannot read " + Quote(local_path), ErrorKind::kIo);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return Store(key, bytes.str(), options);
}

Status MemoryBackend::Write(std::string_view key, std::string_view bytes,
                            const WriteOptions& options) {
  Status s = Enter("write", key);
  if (!s.ok()) return s;
  return Store(key, std::string(bytes), options);
}

Status MemoryBackend::Remove(std::string_view key) {
  Status s = Enter("remove", key);
  if (!s.ok()) return s;
  std::lock_guard<std::mutex> lock(mu_);
  ++counters().requests;
  objects_.erase(std::string(key));
  return Status();
}

}  // namespace sparkenv::store
