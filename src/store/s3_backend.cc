#include "store/s3_backend.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>

#include "base/strings.h"
#include "http/curl_client.h"
#include "index/sha256.h"
#include "store/open.h"
#include "store/s3_config.h"
#include "store/s3_sigv4.h"
#include "store/s3_xml.h"

namespace sparkenv::store {

namespace {

using Query = std::vector<std::pair<std::string, std::string>>;

constexpr size_t kMaxServerMessage = 300;

bool IsSha256Hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!IsAsciiDigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

bool Is2xx(long status) { return status >= 200 && status < 300; }  // NOLINT(google-runtime-int)

// S3 error codes by what the user must do about them.
bool IsBadCredentials(std::string_view code) {
  static const std::set<std::string_view> kCodes = {
      "InvalidAccessKeyId",   "SignatureDoesNotMatch", "ExpiredToken",         "InvalidToken",
      "TokenRefreshRequired", "InvalidSecurity",       "InvalidClientTokenId", "AuthFailure"};
  return kCodes.count(code) > 0;
}
bool IsPermissionDenied(std::string_view code) {
  static const std::set<std::string_view> kCodes = {"AccessDenied", "AllAccessDisabled",
                                                    "AccountProblem", "Forbidden"};
  return kCodes.count(code) > 0;
}
bool IsQuota(std::string_view code) {
  static const std::set<std::string_view> kCodes = {
      "QuotaExceeded", "EntityTooLarge",      "XMinioStorageFull",
      "StorageFull",   "InsufficientStorage", "XMinioAdminBucketQuotaExceeded",
      "TooManyBuckets"};
  return kCodes.count(code) > 0;
}
bool IsRegion(std::string_view code) {
  return code == "AuthorizationHeaderMalformed" || code == "PermanentRedirect" ||
         code == "IllegalLocationConstraintException" || code == "TemporaryRedirect";
}
bool IsDigestMismatch(std::string_view code) {
  return code == "XAmzContentSHA256Mismatch" || code == "BadDigest" || code == "InvalidDigest";
}
// Codes S3 may put in a 200 answer to CompleteMultipartUpload that a retry
// can fix.
bool IsRetryableCode(std::string_view code) {
  return code == "InternalError" || code == "SlowDown" || code == "ServiceUnavailable" ||
         code == "RequestTimeout";
}

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

// Incremental sha256 of a whole object while its parts are read.
class Sha256Stream {
 public:
  Sha256Stream() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr); }
  void Update(std::string_view bytes) { EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size()); }
  std::string HexDigest() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(ctx_.get(), digest, &size);
    return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), size));
  }

 private:
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx_;
};

// Where the bytes of an upload come from.
class Source {
 public:
  virtual ~Source() = default;
  virtual uint64_t size() const = 0;
  // Appends bytes [offset, offset + n) to *out (read sequentially).
  virtual Status Read(uint64_t offset, size_t n, std::string* out) = 0;
};

class MemorySource : public Source {
 public:
  explicit MemorySource(std::string_view bytes) : bytes_(bytes) {}
  uint64_t size() const override { return bytes_.size(); }
  Status Read(uint64_t offset, size_t n, std::string* out) override {
    out->append(bytes_.substr(offset, n));
    return Status::Ok();
  }

 private:
  std::string_view bytes_;
};

class FileSource : public Source {
 public:
  static Result<std::unique_ptr<FileSource>> Open(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return Error("cannot read " + Quote(path) + ": " + std::strerror(errno), ErrorKind::kIo);
    }
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      int saved = S_ISREG(st.st_mode) ? errno : EINVAL;
      close(fd);
      return Error("cannot read " + Quote(path) + ": " +
                       (saved == EINVAL ? std::string("not a regular file") : std::strerror(saved)),
                   ErrorKind::kIo);
    }
    return std::unique_ptr<FileSource>(new FileSource(path, fd, static_cast<uint64_t>(st.st_size)));
  }
  ~FileSource() override { close(fd_); }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  uint64_t size() const override { return size_; }
  Status Read(uint64_t offset, size_t n, std::string* out) override {
    size_t start = out->size();
    out->resize(start + n);
    size_t done = 0;
    while (done < n) {
      ssize_t r =
          pread(fd_, out->data() + start + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        out->resize(start);
        return Error("cannot read " + Quote(path_) + ": " +
                         (r == 0 ? std::string("the file shrank while it was uploaded")
                                 : std::strerror(errno)),
                     ErrorKind::kIo);
      }
      done += static_cast<size_t>(r);
    }
    return Status::Ok();
  }

 private:
  FileSource(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}
  std::string path_;
  int fd_;
  uint64_t size_;
};

class S3Backend : public Backend {
 public:
  S3Backend(S3Location location, S3Settings settings, S3Options options,
            std::unique_ptr<http::Client> client)
      : location_(std::move(location)),
        settings_(std::move(settings)),
        options_(std::move(options)),
        client_(std::move(client)) {
    if (!options_.now) options_.now = [] { return std::chrono::system_clock::now(); };
    if (options_.max_parts_in_flight < 1) options_.max_parts_in_flight = 1;
  }

  std::string DisplayUrl() const override { return location_.ToString(); }

  std::string HadoopUrl(std::string_view key) const override {
    return "s3a://" + location_.bucket + "/" + FullKey(key);
  }

  Result<std::string> ReadableUrl(std::string_view key, int seconds) const override {
    if (Status s = CheckKey(key); !s.ok()) return s.error();
    if (seconds < 1 || seconds > kMaxPresignSeconds) {
      return Error("a presigned URL is valid for 1 to " + std::to_string(kMaxPresignSeconds) +
                       " seconds, not " + std::to_string(seconds),
                   ErrorKind::kInternal);
    }
    const std::string path = ObjectPath(FullKey(key));
    SigV4Request sig;
    sig.method = "GET";
    sig.canonical_uri = path;
    sig.headers.emplace_back("Host", settings_.endpoint.authority);
    // Opening the backend required credentials, so there is always a key to sign with.
    return settings_.endpoint.ToString() + path + "?" +
           PresignQuery(&sig, settings_.credentials, settings_.region, "s3", options_.now(),
                        seconds);
  }

  Result<std::string> Read(std::string_view key) override {
    if (Status s = CheckKey(key); !s.ok()) return s.error();
    http::Response r = Send(MakeRequest(http::Method::kGet, FullKey(key), {}));
    if (r.ok() && Is2xx(r.status)) {
      bucket_known_ = true;
      return std::move(r.body);
    }
    return Failure(r, ObjectUrl(key), "cannot read");
  }

  Status Download(std::string_view key, const std::string& local_path) override {
    if (Status s = CheckKey(key); !s.ok()) return s;
    http::Request request = MakeRequest(http::Method::kGet, FullKey(key), {});
    request.body_path = local_path;
    http::Response r = Send(std::move(request));
    if (r.ok() && Is2xx(r.status)) {
      bucket_known_ = true;
      struct stat st {};
      if (stat(local_path.c_str(), &st) == 0) {
        counters().bytes_received += static_cast<uint64_t>(st.st_size);
      }
      return Status::Ok();
    }
    // The error document went to the file: read it back, then remove the
    // file so nothing half-written is left.
    if (r.ok()) r.body = ReadSmallFile(local_path);
    unlink(local_path.c_str());
    return Failure(r, ObjectUrl(key), "cannot download");
  }

  Result<std::optional<ObjectInfo>> Stat(std::string_view key) override {
    if (Status s = CheckKey(key); !s.ok()) return s.error();
    http::Response r = Send(MakeRequest(http::Method::kHead, FullKey(key), {}));
    if (r.ok() && Is2xx(r.status)) {
      bucket_known_ = true;
      ObjectInfo info;
      info.key = std::string(key);
      info.size = std::strtoull(r.Header("content-length").value_or("0").c_str(), nullptr, 10);
      info.mtime_ms = ParseHttpDateMs(r.Header("last-modified").value_or("")).value_or(0);
      return std::optional<ObjectInfo>(std::move(info));
    }
    if (r.ok() && r.status == 404) {
      // HEAD has no body to tell a missing key from a missing bucket: the
      // bucket is checked once per backend.
      if (Status b = CheckBucket(); !b.ok()) return b.error();
      return std::optional<ObjectInfo>();
    }
    if (r.ok() && !RegionError(r)) {
      // Any other refusal: ask again with a GET of one byte, whose answer
      // carries the error document that HEAD cannot.
      http::Response g = Send(MakeRequest(http::Method::kGet, FullKey(key), {},
                                          std::string(kEmptySha256), {{"Range", "bytes=0-0"}}));
      if (g.ok() && !Is2xx(g.status)) return Failure(g, ObjectUrl(key), "cannot stat");
    }
    return Failure(r, ObjectUrl(key), "cannot stat");
  }

  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override {
    std::string_view bare = prefix;
    if (!bare.empty() && bare.back() == '/') bare.remove_suffix(1);
    if (!prefix.empty() && !ValidKey(bare)) {
      return Error("s3 backend: invalid key prefix " + Quote(prefix), ErrorKind::kInternal);
    }
    std::string root = location_.prefix.empty() ? "" : location_.prefix + "/";
    std::string full = root + std::string(prefix);
    std::string shown = prefix.empty() ? DisplayUrl() : DisplayUrl() + "/" + std::string(prefix);
    std::vector<ObjectInfo> out;
    std::string token;
    std::set<std::string> seen_tokens;
    while (true) {
      Query query = {{"list-type", "2"}, {"prefix", full}};
      if (!token.empty()) query.emplace_back("continuation-token", token);
      if (options_.list_page_size > 0) {
        query.emplace_back("max-keys", std::to_string(options_.list_page_size));
      }
      http::Response r = Send(MakeRequest(http::Method::kGet, "", std::move(query)));
      if (!r.ok() || !Is2xx(r.status)) return Failure(r, shown, "cannot list");
      bucket_known_ = true;
      auto page = ParseListObjectsV2(r.body);
      if (!page.ok()) return page.error().Wrap(shown + ": cannot list");
      for (S3ListEntry& e : page->entries) {
        // Keys outside the root cannot come back for our prefix; folder
        // markers ("dir/", written by some tools) are not objects.
        if (!StartsWith(e.key, root) || e.key.size() == root.size() || e.key.back() == '/') {
          continue;
        }
        out.push_back(ObjectInfo{e.key.substr(root.size()), e.size, e.mtime_ms});
      }
      if (!page->truncated) break;
      if (!seen_tokens.insert(page->next_token).second) {
        return Error(shown + ": cannot list: the server repeated a continuation token",
                     ErrorKind::kIo);
      }
      token = page->next_token;
    }
    return out;
  }

  Status Upload(const std::string& local_path, std::string_view key,
                const WriteOptions& options) override {
    if (Status s = CheckKey(key); !s.ok()) return s;
    if (!options.sha256.empty() && !IsSha256Hex(options.sha256)) {
      return Error("s3 backend: invalid sha256 " + Quote(options.sha256), ErrorKind::kInternal);
    }
    auto source = FileSource::Open(local_path);
    if (!source.ok()) return source.error().Wrap(ObjectUrl(key) + ": cannot upload");
    if ((*source)->size() > options_.multipart_threshold) {
      return Multipart(**source, key, options.sha256, "the bytes of " + Quote(local_path));
    }
    std::string sha256 = options.sha256;
    if (sha256.empty()) {
      auto h = index::Sha256File(local_path);
      if (!h.ok()) return h.error().Wrap(ObjectUrl(key) + ": cannot upload");
      sha256 = *h;
    }
    source->reset();  // the client reopens the file for every attempt
    http::Request request = MakeRequest(http::Method::kPut, FullKey(key), {}, sha256);
    request.upload_path = local_path;
    return Put(std::move(request), key, sha256, "the bytes of " + Quote(local_path));
  }

  Status Write(std::string_view key, std::string_view bytes, const WriteOptions& options) override {
    if (Status s = CheckKey(key); !s.ok()) return s;
    if (bytes.size() > options_.multipart_threshold) {
      MemorySource source(bytes);
      return Multipart(source, key, options.sha256, "the bytes to write");
    }
    std::string sha256 = index::Sha256Hex(bytes);
    if (!options.sha256.empty() && options.sha256 != sha256) {
      return Error(ObjectUrl(key) + ": the bytes to write do not have sha256 " + options.sha256 +
                       " (they hash to " + sha256 + "); nothing was written",
                   ErrorKind::kIo);
    }
    http::Request request = MakeRequest(http::Method::kPut, FullKey(key), {}, sha256);
    request.upload_body = std::string(bytes);
    return Put(std::move(request), key, sha256, "the bytes to write");
  }

  Status Remove(std::string_view key) override {
    if (Status s = CheckKey(key); !s.ok()) return s;
    http::Response r = Send(MakeRequest(http::Method::kDelete, FullKey(key), {}));
    if (r.ok() && (Is2xx(r.status) || r.status == 404)) {
      auto e = ParseS3Error(r.body);
      if (!(e && e->code == "NoSuchBucket")) {
        // Some servers (s3proxy) answer 204 in a bucket that does not
        // exist: a removal proves nothing about the bucket.
        return CheckBucket();
      }
    }
    return Failure(r, ObjectUrl(key), "cannot remove");
  }

 private:
  std::string FullKey(std::string_view key) const {
    return location_.prefix.empty() ? std::string(key) : location_.prefix + "/" + std::string(key);
  }
  std::string ObjectUrl(std::string_view key) const {
    return DisplayUrl() + "/" + std::string(key);
  }

  static Status CheckKey(std::string_view key) {
    if (!ValidKey(key)) {
      return Error("s3 backend: invalid key " + Quote(key), ErrorKind::kInternal);
    }
    return Status::Ok();
  }

  // The request path of `object_key` (the whole key; empty: the bucket),
  // encoded: /bucket/key (path style) or /key.
  std::string ObjectPath(const std::string& object_key) const {
    std::string path;
    if (settings_.endpoint.path_style) {
      path = "/" + location_.bucket;
      if (!object_key.empty()) path += "/" + UriEncode(object_key, false);
    } else {
      path = "/" + UriEncode(object_key, false);
    }
    return path;
  }

  // A signed request for `object_key` (the whole key; empty: the bucket).
  http::Request MakeRequest(http::Method method, const std::string& object_key, Query query,
                            std::string payload_sha256 = std::string(kEmptySha256),
                            http::Headers extra = {}) const {
    const std::string path = ObjectPath(object_key);
    SigV4Request sig;
    sig.method = http::MethodName(method);
    sig.canonical_uri = path;
    sig.payload_sha256 = std::move(payload_sha256);
    sig.headers.emplace_back("Host", settings_.endpoint.authority);
    for (auto& h : extra) sig.headers.push_back(std::move(h));
    sig.query = std::move(query);
    std::string authorization =
        SignRequest(&sig, settings_.credentials, settings_.region, "s3", options_.now());
    http::Request request;
    request.method = method;
    request.url = settings_.endpoint.ToString() + path;
    if (!sig.query.empty()) request.url += "?" + CanonicalQueryString(sig.query);
    request.headers = std::move(sig.headers);
    request.headers.emplace_back("Authorization", std::move(authorization));
    request.follow_redirects = false;  // a redirect would need a new signature
    return request;
  }

  // Sends and counts. `object_data`: the body is object bytes, counted in
  // bytes_sent (a CompleteMultipartUpload document is not).
  http::Response Send(http::Request request, bool object_data = true) {
    TransferCounters* counters = &this->counters();
    if (object_data) {
      request.on_upload_bytes = [counters](size_t n) { counters->bytes_sent += n; };
    }
    http::Response r = client_->Fetch(std::move(request)).get();
    Count(r);
    return r;
  }

  void Count(const http::Response& r) {
    counters().requests += static_cast<uint64_t>(std::max(1, r.attempts));
    counters().bytes_received += r.body.size();
  }

  // A single PUT, then the mapping of a digest mismatch.
  Status Put(http::Request request, std::string_view key, const std::string& sha256,
             const std::string& what) {
    http::Response r = Send(std::move(request));
    if (r.ok() && Is2xx(r.status)) {
      bucket_known_ = true;
      return Status::Ok();
    }
    if (r.ok()) {
      auto e = ParseS3Error(r.body);
      if (e && IsDigestMismatch(e->code)) {
        return Error(Scrub(ObjectUrl(key) + ": " + what + " do not have sha256 " + sha256 +
                           ": the server refused them (" + e->code + "); nothing was written"),
                     ErrorKind::kIo);
      }
    }
    return Failure(r, ObjectUrl(key), "cannot write");
  }

  // Multipart upload of `source` as `key`; `what` names the source.
  Status Multipart(Source& source, std::string_view key, const std::string& expected_sha256,
                   const std::string& what) {
    const std::string full_key = FullKey(key);
    const std::string url = ObjectUrl(key);
    // An explicit Content-Type on both POSTs: libcurl's default for POST
    // (a form) would become the object's type, and servers built on
    // servlet containers would read a form body as parameters.
    http::Request init =
        MakeRequest(http::Method::kPost, full_key, {{"uploads", ""}}, std::string(kEmptySha256),
                    {{"Content-Type", "application/octet-stream"}});
    http::Response r = Send(std::move(init));
    if (!r.ok() || !Is2xx(r.status)) return Failure(r, url, "cannot start a multipart upload");
    bucket_known_ = true;
    auto upload_id = ParseInitiateMultipartUpload(r.body);
    if (!upload_id.ok()) return upload_id.error().Wrap(url);

    Status status = UploadParts(source, full_key, url, *upload_id, expected_sha256, what);
    if (!status.ok()) return Abort(full_key, *upload_id, status.error());
    return Status::Ok();
  }

  // The parts, then CompleteMultipartUpload. Any failure is returned for
  // the caller to abort.
  Status UploadParts(Source& source, const std::string& full_key, const std::string& url,
                     const std::string& upload_id, const std::string& expected_sha256,
                     const std::string& what) {
    const S3PartPlan plan = PlanParts(source.size(), options_);
    struct Shared {
      std::vector<std::string> etags;
      int in_flight = 0;  // guarded by parts_mu_
      std::optional<Error> error;
    };
    auto shared = std::make_shared<Shared>();
    shared->etags.resize(plan.count);
    // The whole object's hash, when there is one to compare it with.
    std::optional<Sha256Stream> whole;
    if (!expected_sha256.empty()) whole.emplace();
    Status read_status;
    for (uint64_t i = 0; i < plan.count; ++i) {
      {
        std::unique_lock<std::mutex> lock(parts_mu_);
        parts_cv_.wait(lock, [&] {
          return shared->error.has_value() || parts_in_flight_ < options_.max_parts_in_flight;
        });
        if (shared->error) break;
        ++parts_in_flight_;
        ++shared->in_flight;
      }
      const uint64_t n = i + 1 == plan.count ? plan.last_size : plan.part_size;
      std::string bytes;
      read_status = source.Read(i * plan.part_size, static_cast<size_t>(n), &bytes);
      if (!read_status.ok()) {
        std::lock_guard<std::mutex> lock(parts_mu_);
        --parts_in_flight_;
        --shared->in_flight;
        parts_cv_.notify_all();
        break;
      }
      if (whole) whole->Update(bytes);
      std::string part_sha256 = index::Sha256Hex(bytes);
      http::Request request = MakeRequest(
          http::Method::kPut, full_key,
          {{"partNumber", std::to_string(i + 1)}, {"uploadId", upload_id}}, part_sha256);
      request.upload_body = std::move(bytes);
      TransferCounters* counters = &this->counters();
      request.on_upload_bytes = [counters](size_t sent) { counters->bytes_sent += sent; };
      const std::string part_what =
          "cannot write part " + std::to_string(i + 1) + " of " + std::to_string(plan.count);
      // The callback runs on the client's thread (or, for a fake, inside
      // Submit): no lock is held while submitting.
      client_->Submit(
          std::move(request), [this, shared, i, url, part_what](const http::Response& pr) {
            Count(pr);
            std::optional<Error> failure;
            std::optional<std::string> etag = pr.Header("etag");
            if (!pr.ok() || !Is2xx(pr.status)) {
              failure = Failure(pr, url, part_what);
            } else if (!etag || etag->empty()) {
              failure = Error(url + ": " + part_what + ": the server's answer has no ETag",
                              ErrorKind::kIo);
            }
            std::lock_guard<std::mutex> lock(parts_mu_);
            if (failure) {
              if (!shared->error) shared->error = std::move(failure);
            } else {
              shared->etags[i] = *etag;
            }
            --parts_in_flight_;
            --shared->in_flight;
            parts_cv_.notify_all();
          });
    }
    {
      std::unique_lock<std::mutex> lock(parts_mu_);
      parts_cv_.wait(lock, [&] { return shared->in_flight == 0; });
    }
    if (shared->error) return *shared->error;
    if (!read_status.ok()) return read_status.error().Wrap(url + ": cannot upload");
    if (whole) {
      std::string actual = whole->HexDigest();
      if (actual != expected_sha256) {
        return Error(url + ": " + what + " do not have sha256 " + expected_sha256 +
                         " (they hash to " + actual + ")",
                     ErrorKind::kIo);
      }
    }
    return Complete(full_key, url, upload_id, shared->etags, source.size());
  }

  Status Complete(const std::string& full_key, const std::string& url, const std::string& upload_id,
                  const std::vector<std::string>& etags, uint64_t size) {
    std::string body = CompleteMultipartUploadBody(etags);
    std::string body_sha256 = index::Sha256Hex(body);
    for (int attempt = 1;; ++attempt) {
      http::Request request = MakeRequest(http::Method::kPost, full_key, {{"uploadId", upload_id}},
                                          body_sha256, {{"Content-Type", "application/xml"}});
      request.upload_body = body;
      http::Response r = Send(std::move(request), /*object_data=*/false);
      if (r.ok() && Is2xx(r.status)) {
        Status s = CheckCompleteMultipartUpload(r.body);
        if (s.ok()) return s;
        auto e = ParseS3Error(r.body);
        if (e && IsRetryableCode(e->code) && attempt < options_.max_attempts) continue;
        return Error(Scrub(url + ": cannot complete the multipart upload: " + s.error().message()),
                     ErrorKind::kIo);
      }
      if (r.ok() && r.attempts > 1 && r.status == 404) {
        // A retried Complete whose first attempt succeeded finds the upload
        // gone: the object is there if it has the parts' size and count.
        auto e = ParseS3Error(r.body);
        if (e && e->code == "NoSuchUpload" && CompletedAlready(full_key, size, etags.size())) {
          return Status::Ok();
        }
      }
      return Failure(r, url, "cannot complete the multipart upload");
    }
  }

  bool CompletedAlready(const std::string& full_key, uint64_t size, size_t parts) {
    http::Response r = Send(MakeRequest(http::Method::kHead, full_key, {}));
    if (!r.ok() || !Is2xx(r.status)) return false;
    std::string etag = r.Header("etag").value_or("");
    if (!etag.empty() && etag.front() == '"') etag = etag.substr(1, etag.size() - 2);
    return std::strtoull(r.Header("content-length").value_or("").c_str(), nullptr, 10) == size &&
           EndsWith(etag, "-" + std::to_string(parts));
  }

  // Aborts the upload (so no part lingers) and returns `cause`.
  Status Abort(const std::string& full_key, const std::string& upload_id, const Error& cause) {
    http::Response r =
        Send(MakeRequest(http::Method::kDelete, full_key, {{"uploadId", upload_id}}));
    if (r.ok() && (Is2xx(r.status) || r.status == 404)) {
      return Error(cause.message() + "; the multipart upload was aborted, nothing was written",
                   cause.kind());
    }
    return Error(cause.message() +
                     "; nothing was written, but aborting the multipart upload failed too (its "
                     "parts stay until a bucket lifecycle rule removes incomplete uploads)",
                 cause.kind());
  }

  // HEAD of the bucket, once per backend: OK when it exists.
  Status CheckBucket() {
    if (bucket_known_) return Status::Ok();
    http::Response r = Send(MakeRequest(http::Method::kHead, "", {}));
    if (r.ok() && (Is2xx(r.status) || r.status == 403)) {
      // 403: not allowed to look at the bucket, which exists.
      bucket_known_ = true;
      return Status::Ok();
    }
    if (r.ok() && r.status == 404) return MissingBucket();
    return Failure(r, DisplayUrl(), "cannot stat the bucket");
  }

  Error MissingBucket() const {
    return Error("s3://" + location_.bucket + ": the bucket " + Quote(location_.bucket) +
                     " does not exist at " + settings_.endpoint.ToString() + " (endpoint from " +
                     settings_.endpoint.source + ")",
                 ErrorKind::kNotFound);
  }

  // A wrong region, told by the x-amz-bucket-region header or the error
  // document's <Region>.
  std::optional<Error> RegionError(const http::Response& r,
                                   const std::optional<S3ErrorBody>& e = std::nullopt) const {
    std::string region = r.Header("x-amz-bucket-region").value_or("");
    if (region.empty() && e && IsRegion(e->code)) region = e->region;
    if (region.empty() || region == settings_.region) return std::nullopt;
    return Error(Scrub("s3://" + location_.bucket + ": the bucket is in region " + region +
                       ", not " + settings_.region + ": set AWS_REGION=" + region),
                 ErrorKind::kIo);
  }

  // The error for an answer that is not a success, in words a user can act
  // on. `url` is the s3:// URL of the object (or prefix); `what` the
  // operation ("cannot read").
  Error Failure(const http::Response& r, const std::string& url, const std::string& what) const {
    if (!r.ok()) {
      // Transport failures and 5xx answers that persisted through the retries.
      return Error(Scrub(url + ": " + what + ": " + r.error->message()), ErrorKind::kIo);
    }
    std::optional<S3ErrorBody> e = ParseS3Error(r.body);
    if (auto region = RegionError(r, e)) return *region;
    std::string code = e ? e->code : "";
    std::string detail;
    if (e) {
      std::string message = e->message.size() > kMaxServerMessage
                                ? e->message.substr(0, kMaxServerMessage) + "..."
                                : e->message;
      detail = " (" + e->code + (message.empty() ? "" : ": " + message) + ")";
    } else {
      detail = " (HTTP " + std::to_string(r.status) + ")";
    }
    const std::string& source = settings_.credentials.source;
    if (IsBadCredentials(code) || (!e && r.status == 401)) {
      return Error(Scrub(url + ": " + what + ": bad credentials: " + settings_.endpoint.ToString() +
                         " refused the keys from " + source + detail),
                   ErrorKind::kIo);
    }
    if (code == "RequestTimeTooSkewed" || code == "RequestExpired") {
      return Error(Scrub(url + ": " + what +
                         ": this machine's clock is too far from the server's;"
                         " fix the clock" +
                         detail),
                   ErrorKind::kIo);
    }
    if (code == "NoSuchBucket") return MissingBucket();
    if (IsPermissionDenied(code) || (!e && r.status == 403)) {
      return Error(
          Scrub(url + ": " + what + ": permission denied to the keys from " + source + detail),
          ErrorKind::kIo);
    }
    if (IsQuota(code) || r.status == 507) {
      return Error(Scrub(url + ": " + what + ": the store is full (quota exceeded)" + detail),
                   ErrorKind::kIo);
    }
    if (code == "NoSuchKey" || (!e && r.status == 404)) {
      return Error(url + ": no such object", ErrorKind::kNotFound);
    }
    if (code == "NoSuchUpload") {
      return Error(Scrub(url + ": " + what + ": the multipart upload is gone" + detail),
                   ErrorKind::kIo);
    }
    if (r.status >= 300 && r.status < 400) {
      return Error(Scrub(url + ": " + what + ": " + settings_.endpoint.ToString() +
                         " redirected to " + r.Header("location").value_or("another address") +
                         "; check the endpoint and AWS_REGION" + detail),
                   ErrorKind::kIo);
    }
    return Error(Scrub(url + ": " + what + ": " + settings_.endpoint.ToString() +
                       " answered HTTP " + std::to_string(r.status) + (e ? detail : "")),
                 ErrorKind::kIo);
  }

  // Removes the secret key and the session token from a message, whatever
  // put them there (a server echoing a header, a bug).
  std::string Scrub(std::string message) const {
    for (const std::string* secret :
         {&settings_.credentials.secret_access_key, &settings_.credentials.session_token}) {
      if (secret->size() < 4) continue;
      size_t pos = 0;
      while ((pos = message.find(*secret, pos)) != std::string::npos) {
        message.replace(pos, secret->size(), "***");
        pos += 3;
      }
    }
    return message;
  }

  static std::string ReadSmallFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::string out(size_t{64} * 1024, '\0');
    in.read(out.data(), static_cast<std::streamsize>(out.size()));
    out.resize(static_cast<size_t>(std::max<std::streamsize>(0, in.gcount())));
    return out;
  }

  const S3Location location_;
  const S3Settings settings_;
  S3Options options_;
  std::unique_ptr<http::Client> client_;
  std::atomic<bool> bucket_known_{false};  // a request proved the bucket exists
  std::mutex parts_mu_;
  std::condition_variable parts_cv_;
  int parts_in_flight_ = 0;  // guarded by parts_mu_, over all uploads
};

}  // namespace

S3PartPlan PlanParts(uint64_t size, const S3Options& options) {
  S3PartPlan plan;
  plan.part_size = std::max<uint64_t>(options.part_size, 1);
  if (size == 0) return plan;
  if ((size + plan.part_size - 1) / plan.part_size > S3Options::kMaxParts) {
    uint64_t need = (size + S3Options::kMaxParts - 1) / S3Options::kMaxParts;
    plan.part_size = (need + S3Options::kMiB - 1) / S3Options::kMiB * S3Options::kMiB;
  }
  plan.count = (size + plan.part_size - 1) / plan.part_size;
  plan.last_size = size - (plan.count - 1) * plan.part_size;
  return plan;
}

Result<std::unique_ptr<Backend>> OpenS3Backend(std::string_view url, const OpenOptions& options,
                                               const S3Options& s3,
                                               std::unique_ptr<http::Client> client) {
  auto location = S3Location::Parse(url);
  if (!location.ok()) return location.error();
  GetEnv getenv = options.getenv;
  if (!getenv) {
    getenv = [](const std::string& name) -> std::optional<std::string> {
      const char* v = std::getenv(name.c_str());
      return v ? std::optional<std::string>(v) : std::nullopt;
    };
  }
  auto settings = ResolveS3Settings(*location, options.s3_endpoint, getenv);
  if (!settings.ok()) return settings.error();
  if (!client) {
    http::CurlOptions curl;
    curl.max_concurrent_transfers = std::max(1, options.max_concurrent_transfers);
    curl.max_host_connections = curl.max_concurrent_transfers;
    curl.max_attempts = std::max(1, s3.max_attempts);
    curl.initial_backoff = s3.initial_backoff;
    curl.max_backoff = s3.max_backoff;
    curl.use_netrc = false;  // S3 signs its requests; no Basic auth from ~/.netrc
    auto c = http::CurlClient::Create(std::move(curl));
    if (!c.ok()) return c.error();
    client = std::move(c).value();
  }
  return std::unique_ptr<Backend>(new S3Backend(
      std::move(location).value(), std::move(settings).value(), s3, std::move(client)));
}

Result<std::unique_ptr<Backend>> OpenS3Backend(std::string_view url, const OpenOptions& options) {
  return OpenS3Backend(url, options, S3Options{}, nullptr);
}

}  // namespace sparkenv::store
