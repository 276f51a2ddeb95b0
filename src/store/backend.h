// The storage interface under every store: a flat namespace of objects named
// by relative keys ("blobs/<sha256>.tar.gz", "envs/<env id>.json",
// "tags/<name>/<tag>.json", "sparkenv-store.json") below one root URL. The
// store logic (push, ls, show, diff, pull, rm, gc; docs/store-format.md) is
// written once against this interface; `file://`, `hdfs://` (WebHDFS or
// HttpFS) and `s3://` are implementations, and tests may use an in-memory
// fake.
//
// Contract every implementation keeps:
//   - Keys are validated by the caller (ValidKey below) before they reach a
//     backend; a backend never resolves "..", never follows a key outside
//     its root, and rejects an invalid key with kInternal.
//   - Writes are atomic: after Upload() or Write() returns OK, a reader sees
//     the complete new object under `key`; before, the old object or none --
//     never a partial one (file: temp file + rename; HDFS: temp file +
//     RENAME with OVERWRITE; S3: one PUT, or a multipart upload completed at
//     the end). A failed or killed write leaves at most a temporary object
//     under "tmp/" (file, HDFS) or an incomplete multipart upload (S3), never
//     a partial object under `key`.
//   - Absence is not an error where the method says so: Stat() returns
//     std::nullopt, Remove() of a missing key is OK. Read()/Download() of a
//     missing key fail with ErrorKind::kNotFound.
//   - Errors are distinct and name the URL (credentials redacted, never in
//     any message): bad credentials, a missing bucket or root path,
//     permission denied, a full quota, each in words a user can act on.
//     Transient failures (timeouts, 5xx, dropped connections) are retried
//     with backoff inside the backend before an error is returned.
//   - Thread-safe: the store logic calls any method from several threads at
//     once to run transfers in parallel.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sparkenv::store {

struct ObjectInfo {
  std::string key;       // relative to the root
  uint64_t size = 0;     // bytes
  int64_t mtime_ms = 0;  // last modification, Unix milliseconds (UTC)
};

struct WriteOptions {
  // Readable by everyone (files 0644, folders 0755 on file:// and HDFS, so
  // YARN localizes them as PUBLIC resources). false: owner only (0600/0700).
  // On S3 no ACL is sent either way: the bucket's policy decides.
  bool world_readable = true;
  // Upload(): the sha256 the bytes must have (64 lowercase hex); the backend
  // verifies what it stored (read back, or a checksum the server computed)
  // and fails with kIo on a mismatch, removing the object. Empty: no check.
  std::string sha256;
};

// Bytes and requests a backend sent and received, for reports and for the
// tests that assert an incremental push sends only what is new.
struct TransferCounters {
  std::atomic<uint64_t> bytes_sent{0};      // request bodies (object data)
  std::atomic<uint64_t> bytes_received{0};  // response bodies
  std::atomic<uint64_t> requests{0};        // HTTP requests (0 for file://)
};

class Backend {
 public:
  virtual ~Backend() = default;

  // The root URL as the user wrote it, credentials removed: for messages.
  virtual std::string DisplayUrl() const = 0;
  // The URL Spark and Hadoop use to read `key` (spark.archives,
  // spark.yarn.dist.archives, SparkContext.addArchive): file:///abs/path,
  // hdfs://nameservice-or-host:port/path, s3a://bucket/prefix/key.
  virtual std::string HadoopUrl(std::string_view key) const = 0;
  // A URL anyone can GET `key` from, with no credentials, for the next
  // `seconds` (1 to 604800): a presigned URL on S3. The other backends have
  // none and say so (kInvalidInput).
  virtual Result<std::string> ReadableUrl(std::string_view key, int seconds) const;

  // Reads a whole (small) object: manifests, tags, the store marker.
  virtual Result<std::string> Read(std::string_view key) = 0;
  // Streams an object into `local_path` (created or truncated). The caller
  // verifies the bytes and renames the file into place.
  virtual Status Download(std::string_view key, const std::string& local_path) = 0;
  // Size and mtime of `key`, or std::nullopt when it does not exist.
  virtual Result<std::optional<ObjectInfo>> Stat(std::string_view key) = 0;
  // Every object whose key starts with `prefix` ("blobs/", "tags/app/"),
  // recursively, in any order. A missing prefix gives an empty list.
  virtual Result<std::vector<ObjectInfo>> List(std::string_view prefix) = 0;

  // Writes the file at `local_path` as `key`, atomically (see above).
  virtual Status Upload(const std::string& local_path, std::string_view key,
                        const WriteOptions& options) = 0;
  // Writes `bytes` as `key`, atomically, replacing any previous object.
  virtual Status Write(std::string_view key, std::string_view bytes,
                       const WriteOptions& options) = 0;
  // Removes `key`; a missing key is OK.
  virtual Status Remove(std::string_view key) = 0;

  TransferCounters& counters() { return counters_; }

 private:
  TransferCounters counters_;
};

// How to open a backend. Everything a backend reads from the environment
// (AWS_*, HADOOP_CONF_DIR, HADOOP_USER_NAME, HOME, ...) goes through
// `getenv`, so tests can pass their own.
struct OpenOptions {
  // s3://: the endpoint given with --endpoint (wins over AWS_ENDPOINT_URL_S3
  // and AWS_ENDPOINT_URL). Empty: from the environment, else AWS.
  std::string s3_endpoint;
  // Transfers in flight at once.
  int max_concurrent_transfers = 8;
  // Default (empty): std::getenv.
  std::function<std::optional<std::string>(const std::string& name)> getenv;
};

// Whether `key` is a key a store may use: non-empty, relative, '/'-separated
// segments of [A-Za-z0-9._-] that are neither "." nor "..", no empty
// segment. Every key built from data read out of a store (a tag's env id, a
// manifest's layer hash) is checked with this before use.
bool ValidKey(std::string_view key);

}  // namespace sparkenv::store
