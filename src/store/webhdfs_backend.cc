#include "store/webhdfs_backend.h"

#include <openssl/evp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "http/curl_client.h"
#include "store/hadoop_conf.h"
#include "store/hadoop_token.h"
#include "store/hdfs_checksum.h"
#include "store/open.h"

namespace sparkenv::store {

namespace {

using http::Method;
using http::Request;
using http::Response;
using Params = std::vector<std::pair<std::string, std::string>>;

constexpr int kRetriableRounds = 3;  // rounds over the NameNodes for RetriableException
constexpr size_t kMaxServerMessage = 600;
constexpr size_t kReadChunk = 1 << 20;
constexpr size_t kMaxErrorBody = size_t{64} * 1024;
constexpr uint32_t kDefaultBytesPerCrc = 512;

// ---- small helpers ----

std::string EncodeQueryValue(std::string_view value) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : value) {
    if (IsAsciiAlnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out += c;
    } else {
      auto b = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
    }
  }
  return out;
}

std::string RandomHex() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  static const char kHex[] = "0123456789abcdef";
  uint64_t v = rng();
  std::string out;
  for (int i = 0; i < 16; ++i) {
    out += kHex[v & 0xF];
    v >>= 4;
  }
  return out;
}

std::string BaseName(std::string_view key) {
  size_t slash = key.rfind('/');
  return std::string(slash == std::string_view::npos ? key : key.substr(slash + 1));
}

std::string ParentKey(std::string_view key) {
  size_t slash = key.rfind('/');
  return slash == std::string_view::npos ? std::string() : std::string(key.substr(0, slash));
}

int ParseOctal(std::string_view text) {
  int v = 0;
  for (char c : text) {
    if (c < '0' || c > '7') return -1;
    v = v * 8 + (c - '0');
  }
  return text.empty() ? -1 : v;
}

std::string Octal(int mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%o", static_cast<unsigned>(mode) & 07777u);
  return buf;
}

struct FileStatus {
  bool directory = false;
  uint64_t length = 0;
  int64_t mtime_ms = 0;
  uint64_t block_size = 0;
  int permission = -1;
  std::string owner;
  std::string name;  // pathSuffix
};

std::optional<FileStatus> ToFileStatus(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  FileStatus s;
  s.directory = j.value("type", "") == "DIRECTORY";
  s.length = j.value("length", uint64_t{0});
  s.mtime_ms = j.value("modificationTime", int64_t{0});
  s.block_size = j.value("blockSize", uint64_t{0});
  s.permission = ParseOctal(j.value("permission", ""));
  s.owner = j.value("owner", "");
  s.name = j.value("pathSuffix", "");
  return s;
}

std::optional<FileStatus> ParseFileStatus(std::string_view body) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (!doc.is_object() || !doc.contains("FileStatus")) return std::nullopt;
  return ToFileStatus(doc["FileStatus"]);
}

std::optional<std::vector<FileStatus>> ParseListing(std::string_view body) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (!doc.is_object() || !doc.contains("FileStatuses")) return std::nullopt;
  const auto& fs = doc["FileStatuses"];
  if (!fs.is_object() || !fs.contains("FileStatus") || !fs["FileStatus"].is_array()) {
    return std::nullopt;
  }
  std::vector<FileStatus> out;
  for (const auto& e : fs["FileStatus"]) {
    auto s = ToFileStatus(e);
    if (!s) return std::nullopt;
    out.push_back(std::move(*s));
  }
  return out;
}

// What was sent: a file or bytes in memory.
struct Source {
  const std::string* path = nullptr;
  std::string_view bytes;
  std::string Describe() const { return path ? Quote(*path) : std::string("the bytes written"); }
};

struct LocalDigest {
  uint64_t size = 0;
  std::string sha256;
  ChunkCrcs crcs{HdfsCrcType::kCrc32c, kDefaultBytesPerCrc};
};

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

std::string Hex(const unsigned char* p, unsigned int n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    out += kDigits[p[i] >> 4];
    out += kDigits[p[i] & 0xF];
  }
  return out;
}

// One pass over the source: its sha256 and its chunk CRCs with `type` and
// `bytes_per_crc`.
Result<LocalDigest> Digest(const Source& src, HdfsCrcType type, uint32_t bytes_per_crc) {
  LocalDigest d;
  d.crcs = ChunkCrcs(type, bytes_per_crc);
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  auto feed = [&](const char* p, size_t n) {
    EVP_DigestUpdate(ctx.get(), p, n);
    d.crcs.Update(p, n);
    d.size += n;
  };
  if (src.path) {
    std::FILE* f = std::fopen(src.path->c_str(), "rb");
    if (!f) {
      return Error("cannot read " + Quote(*src.path) + ": " + std::strerror(errno), ErrorKind::kIo);
    }
    std::vector<char> buf(kReadChunk);
    size_t n = 0;
    while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) feed(buf.data(), n);
    bool failed = std::ferror(f) != 0;
    std::fclose(f);  // NOLINT(cppcoreguidelines-owning-memory)
    if (failed) return Error("cannot read " + Quote(*src.path), ErrorKind::kIo);
  } else {
    feed(src.bytes.data(), src.bytes.size());
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  d.sha256 = Hex(md, len);
  return d;
}

Result<std::string> Sha256OfFile(const std::string& path) {
  Source src;
  src.path = &path;
  auto d = Digest(src, HdfsCrcType::kCrc32c, kDefaultBytesPerCrc);
  if (!d.ok()) return d.error();
  return d->sha256;
}

// ---- the backend ----

class WebHdfsBackend : public Backend {
 public:
  WebHdfsBackend(WebHdfsOptions options, std::unique_ptr<http::Client> client)
      : opt_(std::move(options)), client_(std::move(client)) {
    display_ = opt_.url.written;
    while (display_.size() > 1 && display_.back() == '/' && !EndsWith(display_, ":///")) {
      display_.pop_back();
    }
  }

  std::string DisplayUrl() const override { return display_; }

  std::string HadoopUrl(std::string_view key) const override {
    return opt_.url.hadoop_scheme + "://" + opt_.url.hadoop_authority + EncodeHdfsPath(PathOf(key));
  }

  Result<std::string> Read(std::string_view key) override {
    if (!ValidKey(key)) return BadKey(key);
    std::string what = "cannot read " + ObjectUrl(key);
    Response r = Call({Method::kGet, PathOf(key), "OPEN", {}, true, std::nullopt});
    if (r.ok() && r.status == 200) return std::move(r.body);
    if (IsNotFound(r)) return Missing(key);
    return Fail(r, what);
  }

  Status Download(std::string_view key, const std::string& local_path) override {
    if (!ValidKey(key)) return BadKey(key);
    std::string what = "cannot read " + ObjectUrl(key);
    Response r = Call({Method::kGet, PathOf(key), "OPEN", {}, true, local_path});
    if (r.ok() && r.status == 200) return Status::Ok();
    if (r.ok()) {
      // The error answer went to the file: read it back for the message.
      std::ifstream in(local_path, std::ios::binary);
      std::string body(kMaxErrorBody, '\0');
      in.read(body.data(), static_cast<std::streamsize>(body.size()));
      body.resize(static_cast<size_t>(in.gcount()));
      r.body = std::move(body);
    }
    std::error_code ec;
    std::filesystem::remove(local_path, ec);
    if (IsNotFound(r)) return Missing(key);
    return Fail(r, what);
  }

  Result<std::optional<ObjectInfo>> Stat(std::string_view key) override {
    if (!ValidKey(key)) return BadKey(key);
    Response r = Call({Method::kGet, PathOf(key), "GETFILESTATUS", {}, true, std::nullopt});
    if (r.ok() && r.status == 200) {
      auto st = ParseFileStatus(r.body);
      if (!st) return Unexpected(r, "cannot stat " + ObjectUrl(key));
      if (st->directory) return std::optional<ObjectInfo>();
      return std::optional<ObjectInfo>(ObjectInfo{std::string(key), st->length, st->mtime_ms});
    }
    if (IsNotFound(r)) {
      Status root = CheckRoot();
      if (!root.ok()) return root.error();
      return std::optional<ObjectInfo>();
    }
    return Fail(r, "cannot stat " + ObjectUrl(key));
  }

  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override {
    std::string_view trimmed = prefix;
    if (!trimmed.empty() && trimmed.back() == '/') trimmed.remove_suffix(1);
    if (!prefix.empty() && !ValidKey(trimmed)) return BadKey(prefix);
    std::string dir = ParentKey(prefix);
    if (!prefix.empty() && prefix.back() == '/') dir = std::string(trimmed);
    std::string filter = prefix.empty() || prefix.back() == '/' ? "" : BaseName(prefix);
    std::string what = "cannot list " + ObjectUrl(prefix);

    std::vector<ObjectInfo> out;
    auto first = ListDir(dir);
    if (!first.ok()) return first.error();
    if (!*first) {
      Status root = CheckRoot();
      if (!root.ok()) return root.error();
      return out;
    }
    std::vector<std::string> dirs;
    for (const auto& e : **first) {
      if (!StartsWith(e.name, filter)) continue;
      std::string rel = dir.empty() ? e.name : dir + "/" + e.name;
      if (e.directory) {
        dirs.push_back(rel);
      } else {
        out.push_back(ObjectInfo{rel, e.length, e.mtime_ms});
      }
    }
    // Breadth first, a level's folders listed concurrently.
    while (!dirs.empty()) {
      std::vector<std::string> next;
      for (size_t at = 0; at < dirs.size(); at += static_cast<size_t>(opt_.list_parallelism)) {
        size_t end = std::min(dirs.size(), at + static_cast<size_t>(opt_.list_parallelism));
        std::vector<std::future<Result<std::optional<std::vector<FileStatus>>>>> futures;
        for (size_t i = at; i < end; ++i) {
          futures.push_back(
              std::async(std::launch::async, [this, &dirs, i] { return ListDir(dirs[i]); }));
        }
        for (size_t i = at; i < end; ++i) {
          auto listing = futures[i - at].get();
          if (!listing.ok()) return listing.error();
          if (!*listing) continue;  // removed meanwhile
          for (const auto& e : **listing) {
            std::string rel = dirs[i] + "/" + e.name;
            if (e.directory) {
              next.push_back(rel);
            } else {
              out.push_back(ObjectInfo{rel, e.length, e.mtime_ms});
            }
          }
        }
      }
      dirs = std::move(next);
    }
    return out;
  }

  Status Upload(const std::string& local_path, std::string_view key,
                const WriteOptions& options) override {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(local_path, ec)) {
      return Error(
          "cannot upload " + Quote(local_path) + " to " + ObjectUrl(key) + ": no such file",
          ErrorKind::kIo);
    }
    Source src;
    src.path = &local_path;
    return WriteObject(key, src, options);
  }

  Status Write(std::string_view key, std::string_view bytes, const WriteOptions& options) override {
    Source src;
    src.bytes = bytes;
    return WriteObject(key, src, options);
  }

  Status Remove(std::string_view key) override {
    if (!ValidKey(key)) return BadKey(key);
    Response r = Call(
        {Method::kDelete, PathOf(key), "DELETE", {{"recursive", "false"}}, true, std::nullopt});
    if (r.ok() && r.status == 200) return Status::Ok();
    if (IsNotFound(r)) return Status::Ok();
    return Fail(r, "cannot remove " + ObjectUrl(key));
  }

 private:
  struct CallSpec {
    Method method = Method::kGet;
    std::string path;
    std::string op;
    Params params;
    bool follow = true;
    std::optional<std::string> body_path;
  };

  // ---- paths and URLs ----

  std::string PathOf(std::string_view key) const {
    if (key.empty()) return opt_.url.root;
    return opt_.url.root == "/" ? "/" + std::string(key) : opt_.url.root + "/" + std::string(key);
  }

  std::string ObjectUrl(std::string_view key) const {
    if (key.empty()) return display_;
    return display_ + (EndsWith(display_, "/") ? "" : "/") + std::string(key);
  }

  std::string Url(size_t endpoint, const CallSpec& c) const {
    std::string u =
        opt_.url.endpoints[endpoint] + "/webhdfs/v1" + EncodeHdfsPath(c.path) + "?op=" + c.op;
    if (!opt_.token.empty()) {
      u += "&delegation=" + opt_.token;
    } else if (!opt_.user.empty()) {
      u += "&user.name=" + EncodeQueryValue(opt_.user);
    }
    for (const auto& [k, v] : c.params) u += "&" + k + "=" + EncodeQueryValue(v);
    return u;
  }

  // ---- requests ----

  // One HTTP request: counted, its error message scrubbed of the token.
  Response Send(Request request) {
    counters().requests.fetch_add(1, std::memory_order_relaxed);
    std::string url = request.url;
    std::optional<std::string> body_path = request.body_path;
    Response r = client_->Fetch(std::move(request)).get();
    if (body_path && r.ok() && r.status == 200) {
      std::error_code ec;
      auto size = std::filesystem::file_size(*body_path, ec);
      if (!ec) counters().bytes_received.fetch_add(size, std::memory_order_relaxed);
    }
    if (!r.effective_url.empty() && r.effective_url != url) {
      counters().requests.fetch_add(1, std::memory_order_relaxed);
    }
    counters().bytes_received.fetch_add(r.body.size(), std::memory_order_relaxed);
    if (r.error) r.error = Error(Redact(r.error->message()), r.error->kind());
    return r;
  }

  // A NameNode (or gateway) operation: HA NameNodes tried in order from the
  // last active one, failing over on connection errors and StandbyException;
  // RetriableException (a NameNode starting up) tried again after a pause.
  Response Call(const CallSpec& c) {
    size_t n = opt_.url.endpoints.size();
    Response last;
    for (int round = 0; round < kRetriableRounds; ++round) {
      if (round > 0) Pause(round);
      size_t start = active_.load();
      bool retriable = false;
      for (size_t i = 0; i < n; ++i) {
        size_t idx = (start + i) % n;
        Request req;
        req.method = c.method;
        req.url = Url(idx, c);
        req.follow_redirects = c.follow;
        req.body_path = c.body_path;
        Response r = Send(std::move(req));
        std::optional<RemoteException> re =
            r.ok() && r.status >= 400 ? ParseRemoteException(r.body) : std::nullopt;
        bool standby = re && re->exception == "StandbyException";
        if (n > 1 && (!r.ok() || standby)) {
          last = std::move(r);
          continue;
        }
        active_.store(idx);
        if (re && re->exception == "RetriableException") {
          last = std::move(r);
          retriable = true;
          break;
        }
        return r;
      }
      if (!retriable && !(n > 1 && last.ok())) return last;  // every NameNode unreachable
    }
    return last;
  }

  void Pause(int attempt) const {
    auto delay = opt_.retry_backoff * (1 << std::min(attempt - 1, 6));
    std::this_thread::sleep_for(delay);
  }

  // ---- errors ----

  std::string Redact(std::string_view text) const { return RedactDelegation(text, opt_.token); }

  static bool IsNotFound(const Response& r) {
    if (!r.ok() || r.status != 404) return false;
    auto re = ParseRemoteException(r.body);
    return !re || re->exception == "FileNotFoundException";
  }

  // Whether trying a whole write again may help.
  static bool Transient(const Response& r) {
    if (!r.ok() || r.status >= 500) return true;
    auto re = ParseRemoteException(r.body);
    if (!re) return false;
    return re->exception == "RetriableException" || re->exception == "StandbyException" ||
           re->java_class == "java.io.IOException" || re->exception == "EOFException" ||
           re->exception == "ConnectException" || re->exception == "SocketTimeoutException";
  }

  Error BadKey(std::string_view key) const {
    return Error("invalid store key " + Quote(key) + " for " + display_, ErrorKind::kInternal);
  }

  Error Missing(std::string_view key) {
    Status root = CheckRoot();
    if (!root.ok()) return root.error();
    return Error("no such object on HDFS: " + ObjectUrl(key), ErrorKind::kNotFound);
  }

  Error Unexpected(const Response& r, const std::string& what) const {
    std::string body = r.body.substr(0, 200);
    return Error(what + ": unexpected answer from HDFS (HTTP " + std::to_string(r.status) +
                     "): " + Quote(Redact(body)),
                 ErrorKind::kIo);
  }

  std::string Who() const {
    if (!opt_.token.empty()) return "the delegation token's user";
    return "HDFS user " + Quote(opt_.user);
  }

  // The error for a failed response, in words a user can act on.
  Error Fail(const Response& r, const std::string& what) const {
    if (!r.ok()) return Error(what + ": " + Redact(r.error->message()), ErrorKind::kIo);
    std::optional<RemoteException> re = ParseRemoteException(r.body);
    std::string message;
    if (re) {
      message = re->message.substr(0, re->message.find('\n'));
      if (message.size() > kMaxServerMessage)
        message = message.substr(0, kMaxServerMessage) + "...";
      message = Redact(message);
    }
    std::string exception = re ? re->exception : "";
    std::string detail = re ? exception + ": " + message : "HTTP " + std::to_string(r.status);
    bool token_error = exception.find("InvalidToken") != std::string::npos ||
                       exception == "AuthenticationException" ||
                       (exception == "SecurityException" && !opt_.token.empty());
    if (r.status == 401 || token_error) {
      if (!opt_.token.empty()) {
        return Error(what + ": bad credentials: HDFS refused the delegation token (" +
                         opt_.token_source + "): " + detail,
                     ErrorKind::kIo);
      }
      std::string why = opt_.token_source.empty() ? "" : " (" + opt_.token_source + ")";
      return Error(what + ": bad credentials: HDFS requires authentication and refused " + Who() +
                       " without a delegation token" + why +
                       "; set HADOOP_TOKEN_FILE_LOCATION, HADOOP_TOKEN or "
                       "SPARKENV_HDFS_DELEGATION_TOKEN (Kerberos is not supported): " +
                       detail,
                   ErrorKind::kIo);
    }
    if (exception.ends_with("AccessControlException") || (r.status == 403 && !re)) {
      return Error(what + ": permission denied for " + Who() + ": " + detail, ErrorKind::kIo);
    }
    if (exception.ends_with("QuotaExceededException")) {
      return Error(what + ": HDFS quota exceeded: " + message, ErrorKind::kIo);
    }
    if (exception == "SafeModeException" ||
        (exception == "RetriableException" && message.find("safe mode") != std::string::npos)) {
      return Error(
          what + ": HDFS is in safe mode (read-only until the NameNode leaves it): " + message,
          ErrorKind::kIo);
    }
    if (exception == "StandbyException") {
      return Error(
          what + ": no active NameNode (tried " + Join(opt_.url.endpoints, ", ") + "): " + message,
          ErrorKind::kIo);
    }
    if (exception == "FileNotFoundException") {
      return Error(what + ": not found: " + message, ErrorKind::kNotFound);
    }
    return Error(what + ": HDFS answered HTTP " + std::to_string(r.status) + " " + detail,
                 ErrorKind::kIo);
  }

  // OK when the store root is a folder; else "no such folder" (kNotFound)
  // or why it cannot be told. Remembered once seen.
  Status CheckRoot() {
    if (root_seen_.load()) return Status::Ok();
    Response r = Call({Method::kGet, opt_.url.root, "GETFILESTATUS", {}, true, std::nullopt});
    if (r.ok() && r.status == 200) {
      auto st = ParseFileStatus(r.body);
      if (!st) return Unexpected(r, "cannot read " + display_);
      if (!st->directory) {
        return Error("not a folder on HDFS: " + display_ + " is a file", ErrorKind::kInvalidInput);
      }
      root_seen_.store(true);
      return Status::Ok();
    }
    if (IsNotFound(r)) return Error("no such folder on HDFS: " + display_, ErrorKind::kNotFound);
    return Fail(r, "cannot read " + display_);
  }

  // The entries of folder `rel` (relative to the root); nullopt when it
  // does not exist.
  Result<std::optional<std::vector<FileStatus>>> ListDir(const std::string& rel) {
    Response r = Call({Method::kGet, PathOf(rel), "LISTSTATUS", {}, true, std::nullopt});
    if (r.ok() && r.status == 200) {
      auto listing = ParseListing(r.body);
      if (!listing) return Unexpected(r, "cannot list " + ObjectUrl(rel));
      return std::optional<std::vector<FileStatus>>(std::move(*listing));
    }
    if (IsNotFound(r)) return std::optional<std::vector<FileStatus>>();
    return Fail(r, "cannot list " + ObjectUrl(rel));
  }

  // ---- writing ----

  Status WriteObject(std::string_view key, const Source& src, const WriteOptions& options) {
    if (!ValidKey(key)) return BadKey(key);
    std::string what = "cannot write " + ObjectUrl(key);
    Status prepared = PrepareFolders(key, options.world_readable, what);
    if (!prepared.ok()) return prepared;

    // The local checksums are computed while the bytes travel.
    std::future<Result<LocalDigest>> digest_future = std::async(std::launch::async, [&src] {
      return Digest(src, HdfsCrcType::kCrc32c, kDefaultBytesPerCrc);
    });
    std::optional<Result<LocalDigest>> digest;
    auto local = [&]() -> const Result<LocalDigest>& {
      if (!digest) digest.emplace(digest_future.get());
      return *digest;
    };

    Status last;
    for (int attempt = 1; attempt <= std::max(1, opt_.write_attempts); ++attempt) {
      if (attempt > 1) Pause(attempt - 1);
      std::string tmp = PathOf("tmp/" + BaseName(key) + "." + RandomHex() + ".tmp");
      bool transient = false;
      Status s = CreateFile(tmp, src, options.world_readable, what, &transient);
      if (s.ok()) {
        const Result<LocalDigest>& d = local();
        if (!d.ok()) {
          RemoveQuietly(tmp);
          return d.error().Wrap(what);
        }
        if (!options.sha256.empty() && d->sha256 != options.sha256) {
          RemoveQuietly(tmp);
          return Error(what + ": " +
                           (src.path ? Quote(*src.path) + " has" : "the bytes written have") +
                           " sha256 " + d->sha256 + ", not the expected " + options.sha256 +
                           "; nothing was written",
                       ErrorKind::kIo);
        }
        s = Verify(tmp, src, *d, what, &transient);
        if (s.ok()) s = Rename(tmp, key, *d, what, &transient);
        if (s.ok()) return s;
      }
      RemoveQuietly(tmp);
      last = s;
      if (!transient) break;
    }
    return last;
  }

  // The folders a write needs, each made once per backend: the root, tmp/
  // and the key's folder (with every level between), plus, when
  // world-readable, the execute bits on the root's ancestors.
  Status PrepareFolders(std::string_view key, bool world, const std::string& what) {
    std::vector<std::string> folders = {"", "tmp"};
    std::string parent = ParentKey(key);
    if (!parent.empty()) {
      size_t at = 0;
      while (true) {
        size_t slash = parent.find('/', at);
        folders.push_back(parent.substr(0, slash));
        if (slash == std::string::npos) break;
        at = slash + 1;
      }
    }
    for (const auto& f : folders) {
      Status s = EnsureFolder(f, world, what);
      if (!s.ok()) return s;
    }
    if (world) OpenAncestors();
    return Status::Ok();
  }

  Status EnsureFolder(const std::string& rel, bool world, const std::string& what) {
    std::string cache_key = (world ? "w:" : "p:") + rel;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (folders_.count(cache_key)) return Status::Ok();
    }
    std::string path = PathOf(rel);
    std::optional<FileStatus> existing;
    if (world) {
      Response r = Call({Method::kGet, path, "GETFILESTATUS", {}, true, std::nullopt});
      if (r.ok() && r.status == 200) {
        existing = ParseFileStatus(r.body);
        if (!existing) return Unexpected(r, what);
      } else if (!IsNotFound(r)) {
        return Fail(r, what);
      }
    }
    if (existing && !existing->directory) {
      return Error(what + ": " + ObjectUrl(rel) + " is a file, not a folder", ErrorKind::kIo);
    }
    if (existing) {
      // Readable and traversable by everyone, as YARN's PUBLIC visibility
      // wants; only the owner may change it, and failing is not fatal.
      int mode = existing->permission;
      if (mode >= 0 && (mode & 055) != 055 && Mine(existing->owner)) {
        SetPermission(path, mode | 055);
      }
    } else {
      Response r = Call({Method::kPut,
                         path,
                         "MKDIRS",
                         {{"permission", world ? "755" : "700"}},
                         true,
                         std::nullopt});
      if (!r.ok() || r.status != 200) return Fail(r, what);
      if (r.body.find("true") == std::string::npos) {
        return Error(what + ": HDFS did not create the folder " + ObjectUrl(rel), ErrorKind::kIo);
      }
    }
    if (rel.empty()) root_seen_.store(true);
    std::lock_guard<std::mutex> lock(mu_);
    folders_.insert(cache_key);
    return Status::Ok();
  }

  bool Mine(const std::string& owner) const { return !opt_.token.empty() || owner == opt_.user; }

  void SetPermission(const std::string& path, int mode) {
    Call({Method::kPut, path, "SETPERMISSION", {{"permission", Octal(mode)}}, true, std::nullopt});
  }

  // Gives the root's ancestors that the user owns the execute bit for group
  // and others (YARN: every ancestor of a PUBLIC resource must be
  // world-executable). Others' folders are left alone: layers below them
  // are then localized as PRIVATE resources. Best effort, once.
  void OpenAncestors() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (ancestors_done_) return;
      ancestors_done_ = true;
    }
    std::vector<std::string> ancestors;
    const std::string& root = opt_.url.root;
    for (size_t slash = root.find('/', 1); slash != std::string::npos;
         slash = root.find('/', slash + 1)) {
      ancestors.push_back(root.substr(0, slash));
    }
    for (const auto& a : ancestors) {
      Response r = Call({Method::kGet, a, "GETFILESTATUS", {}, true, std::nullopt});
      if (!r.ok() || r.status != 200) continue;
      auto st = ParseFileStatus(r.body);
      if (!st || !st->directory || st->permission < 0) continue;
      if ((st->permission & 011) != 011 && Mine(st->owner)) SetPermission(a, st->permission | 011);
    }
  }

  // CREATE in two steps: the NameNode (step 1) redirects to a DataNode,
  // which takes the bytes (step 2). HttpFS takes them in one step with
  // data=true.
  Status CreateFile(const std::string& path, const Source& src, bool world, const std::string& what,
                    bool* transient) {
    Params params = {{"overwrite", "true"}, {"permission", world ? "644" : "600"}};
    std::string location;
    if (opt_.url.kind == HdfsStoreUrl::Kind::kHttpFs) {
      params.emplace_back("data", "true");
      location = Url(active_.load(), CallSpec{Method::kPut, path, "CREATE", params, false, {}});
    } else {
      Response r = Call({Method::kPut, path, "CREATE", params, false, std::nullopt});
      std::optional<std::string> loc = r.ok() ? r.Header("location") : std::nullopt;
      if (!r.ok() || r.status != 307 || !loc || loc->empty()) {
        *transient = Transient(r);
        if (r.ok() && r.status < 400) return Unexpected(r, what);
        return Fail(r, what);
      }
      location = *loc;
    }
    for (int hop = 0; hop < 2; ++hop) {
      Request data;
      data.method = Method::kPut;
      data.url = location;
      data.headers.emplace_back("Content-Type", "application/octet-stream");
      data.follow_redirects = false;
      if (src.path) {
        data.upload_path = *src.path;
      } else {
        data.upload_body = std::string(src.bytes);
      }
      data.on_upload_bytes = [this](size_t n) {
        counters().bytes_sent.fetch_add(n, std::memory_order_relaxed);
      };
      Response d = Send(std::move(data));
      if (d.ok() && (d.status == 201 || d.status == 200)) return Status::Ok();
      // An HttpFS gateway asked without data=true redirects to itself once.
      std::optional<std::string> again = d.ok() ? d.Header("location") : std::nullopt;
      if (d.ok() && d.status == 307 && again && hop == 0) {
        location = *again;
        continue;
      }
      *transient = Transient(d);
      if (d.ok() && d.status < 400) return Unexpected(d, what);
      return Fail(d, what);
    }
    return Error(what + ": too many redirects", ErrorKind::kIo);
  }

  // Length by GETFILESTATUS, bytes by GETFILECHECKSUM against the same
  // checksum computed locally (or, for another checksum kind, by reading
  // the file back).
  Status Verify(const std::string& path, const Source& src, const LocalDigest& local,
                const std::string& what, bool* transient) {
    Response r = Call({Method::kGet, path, "GETFILESTATUS", {}, true, std::nullopt});
    if (!r.ok() || r.status != 200) {
      *transient = Transient(r);
      return Fail(r, what);
    }
    auto st = ParseFileStatus(r.body);
    if (!st) return Unexpected(r, what);
    if (st->length != local.size) {
      return Error(what + ": HDFS stored " + std::to_string(st->length) + " bytes of the " +
                       std::to_string(local.size) + " of " + src.Describe() +
                       "; the upload was removed",
                   ErrorKind::kIo);
    }
    Response c = Call({Method::kGet, path, "GETFILECHECKSUM", {}, true, std::nullopt});
    if (!c.ok() || c.status != 200) {
      *transient = Transient(c);
      return Fail(c, what);
    }
    auto remote = ParseWebHdfsChecksum(c.body);
    if (!remote.ok() && remote.error().kind() == ErrorKind::kNotFound) {
      return VerifyByReading(path, local, what, transient);
    }
    if (!remote.ok()) return remote.error().Wrap(what);
    HdfsFileChecksum mine;
    if (local.size == 0 || (remote->crc_type == local.crcs.type() &&
                            remote->bytes_per_crc == local.crcs.bytes_per_crc())) {
      mine = local.crcs.FileChecksum(st->block_size);
    } else {
      auto again = Digest(src, remote->crc_type, remote->bytes_per_crc);
      if (!again.ok()) return again.error().Wrap(what);
      mine = again->crcs.FileChecksum(st->block_size);
    }
    if (mine != *remote) {
      return Error(what + ": the bytes HDFS stored differ from " + src.Describe() +
                       " (HDFS checksum " + remote->Algorithm() + " " + remote->Md5Hex() +
                       ", local " + mine.Algorithm() + " " + mine.Md5Hex() +
                       "); the upload was removed",
                   ErrorKind::kIo);
    }
    return Status::Ok();
  }

  Status VerifyByReading(const std::string& path, const LocalDigest& local, const std::string& what,
                         bool* transient) {
    std::string scratch =
        (std::filesystem::temp_directory_path() / ("sparkenv-verify-" + RandomHex())).string();
    Response r = Call({Method::kGet, path, "OPEN", {}, true, scratch});
    Result<std::string> sha =
        r.ok() && r.status == 200 ? Sha256OfFile(scratch) : Result<std::string>(std::string());
    std::error_code ec;
    std::filesystem::remove(scratch, ec);
    if (!r.ok() || r.status != 200) {
      *transient = Transient(r);
      return Fail(r, what);
    }
    if (!sha.ok()) return sha.error().Wrap(what);
    if (*sha != local.sha256) {
      return Error(what + ": the bytes HDFS stored differ from the bytes sent (read back: sha256 " +
                       *sha + ", sent " + local.sha256 + "); the upload was removed",
                   ErrorKind::kIo);
    }
    return Status::Ok();
  }

  // RENAME with OVERWRITE: the one step that publishes the object.
  Status Rename(const std::string& tmp, std::string_view key, const LocalDigest& local,
                const std::string& what, bool* transient) {
    std::string dest = PathOf(key);
    Response r = Call({Method::kPut,
                       tmp,
                       "RENAME",
                       {{"destination", dest}, {"renameoptions", "OVERWRITE"}},
                       true,
                       std::nullopt});
    if (r.ok() && r.status == 200) return Status::Ok();
    if (IsNotFound(r)) {
      // A retried RENAME whose first attempt went through: the source is
      // gone and the destination is there, with our length.
      Response s = Call({Method::kGet, dest, "GETFILESTATUS", {}, true, std::nullopt});
      auto st = s.ok() && s.status == 200 ? ParseFileStatus(s.body) : std::nullopt;
      if (st && !st->directory && st->length == local.size) return Status::Ok();
    }
    *transient = Transient(r);
    return Fail(r, what);
  }

  void RemoveQuietly(const std::string& path) {
    Call({Method::kDelete, path, "DELETE", {{"recursive", "false"}}, true, std::nullopt});
  }

  WebHdfsOptions opt_;
  std::unique_ptr<http::Client> client_;
  std::string display_;
  std::atomic<size_t> active_{0};  // the NameNode that answered last
  std::atomic<bool> root_seen_{false};
  std::mutex mu_;
  std::set<std::string> folders_;  // guarded by mu_
  bool ancestors_done_ = false;    // guarded by mu_
};

std::string LoginName() {
  long size = sysconf(_SC_GETPW_R_SIZE_MAX);  // NOLINT(google-runtime-int)
  std::vector<char> buf(size > 0 ? static_cast<size_t>(size) : 16384);
  passwd pw{};
  passwd* result = nullptr;
  if (getpwuid_r(geteuid(), &pw, buf.data(), buf.size(), &result) == 0 && result != nullptr) {
    return pw.pw_name;
  }
  return "";
}

}  // namespace

std::optional<RemoteException> ParseRemoteException(std::string_view body) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (!doc.is_object() || !doc.contains("RemoteException")) return std::nullopt;
  const auto& e = doc["RemoteException"];
  if (!e.is_object()) return std::nullopt;
  RemoteException out;
  out.exception = e.value("exception", "");
  out.java_class = e.value("javaClassName", "");
  out.message = e.value("message", "");
  if (out.exception.empty() && !out.java_class.empty()) {
    out.exception = out.java_class.substr(out.java_class.rfind('.') + 1);
  }
  return out;
}

std::string RedactDelegation(std::string_view text, std::string_view token) {
  std::string out(text);
  if (!token.empty()) {
    for (size_t at = out.find(token); at != std::string::npos; at = out.find(token, at)) {
      out.replace(at, token.size(), "***");
      at += 3;
    }
  }
  // Any delegation= parameter, whatever token it carries.
  const std::string param = "delegation=";
  for (size_t at = out.find(param); at != std::string::npos; at = out.find(param, at)) {
    size_t start = at + param.size();
    size_t end = start;
    // A token's characters: URL-safe base64, maybe percent-encoded.
    while (end < out.size() && out[end] != '\0' &&
           (IsAsciiAlnum(out[end]) || std::strchr("-_%=+/*", out[end]) != nullptr)) {
      ++end;
    }
    out.replace(start, end - start, "***");
    at = start + 3;
  }
  return out;
}

std::unique_ptr<Backend> MakeWebHdfsBackend(WebHdfsOptions options,
                                            std::unique_ptr<http::Client> client) {
  return std::make_unique<WebHdfsBackend>(std::move(options), std::move(client));
}

Result<WebHdfsOptions> ResolveWebHdfsOptions(std::string_view url, const OpenOptions& options) {
  auto env = [&](const std::string& name) -> std::optional<std::string> {
    if (options.getenv) return options.getenv(name);
    const char* v = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe)
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  WebHdfsOptions out;
  std::optional<std::string> user = env("HADOOP_USER_NAME");
  out.user = user && !user->empty() ? *user : LoginName();
  if (out.user.empty()) out.user = env("USER").value_or("");

  HadoopConf conf(env, out.user);
  std::optional<std::string> conf_dir = env("HADOOP_CONF_DIR");
  if (!conf_dir || conf_dir->empty()) {
    if (auto home = env("HADOOP_HOME"); home && !home->empty()) conf_dir = *home + "/etc/hadoop";
  }
  if (conf_dir && !conf_dir->empty()) {
    Status s = conf.LoadDir(*conf_dir);
    if (!s.ok()) return s.error();
  }
  auto resolved = ResolveHdfsUrl(url, conf);
  if (!resolved.ok()) return resolved.error();
  out.url = std::move(*resolved);

  // Delegation tokens: an explicit one, else Hadoop's own variables.
  if (auto explicit_token = env("SPARKENV_HDFS_DELEGATION_TOKEN");
      explicit_token && !TrimAscii(*explicit_token).empty()) {
    auto t = HadoopToken::DecodeFromUrlString(*explicit_token);
    if (!t.ok()) return t.error().Wrap("SPARKENV_HDFS_DELEGATION_TOKEN");
    out.token = std::string(TrimAscii(*explicit_token));
    out.token_source = "SPARKENV_HDFS_DELEGATION_TOKEN";
    out.user.clear();
    return out;
  }
  std::vector<HadoopToken> tokens;
  std::vector<std::string> sources;
  if (auto list = env("HADOOP_TOKEN"); list && !list->empty()) {
    int n = 0;
    for (const std::string& item : Split(*list, ',')) {
      ++n;
      if (TrimAscii(item).empty()) continue;
      auto t = HadoopToken::DecodeFromUrlString(item);
      if (!t.ok()) return t.error().Wrap("HADOOP_TOKEN, token " + std::to_string(n));
      tokens.push_back(std::move(*t));
      sources.emplace_back("HADOOP_TOKEN");
    }
  }
  if (auto file = env("HADOOP_TOKEN_FILE_LOCATION"); file && !file->empty()) {
    std::ifstream in(*file, std::ios::binary);
    if (!in) {
      return Error("HADOOP_TOKEN_FILE_LOCATION: cannot read " + Quote(*file) + ": " +
                   std::strerror(errno));
    }
    std::ostringstream bytes;
    bytes << in.rdbuf();
    auto parsed = ParseTokenStorage(bytes.str(), *file);
    if (!parsed.ok()) return parsed.error().Wrap("HADOOP_TOKEN_FILE_LOCATION");
    for (auto& t : *parsed) {
      tokens.push_back(std::move(t));
      sources.push_back("HADOOP_TOKEN_FILE_LOCATION=" + *file);
    }
  }
  std::optional<HadoopToken> chosen;
  if (!tokens.empty())
    chosen = SelectHdfsToken(tokens, WithResolvedAddresses(out.url.token_services));
  if (chosen) {
    out.token = chosen->EncodeToUrlString();
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (tokens[i].service == chosen->service && tokens[i].kind == chosen->kind) {
        out.token_source = sources[i];
        break;
      }
    }
    out.user.clear();
  } else if (!tokens.empty()) {
    std::vector<std::string> have;
    have.reserve(tokens.size());
    for (const auto& t : tokens) have.push_back(t.kind + " for " + Quote(t.service));
    out.token_source = "no delegation token is for " + Join(out.url.token_services, " or ") +
                       "; there are: " + Join(have, ", ");
  }
  return out;
}

Result<std::unique_ptr<Backend>> OpenWebHdfsBackend(std::string_view url,
                                                    const OpenOptions& options) {
  auto resolved = ResolveWebHdfsOptions(url, options);
  if (!resolved.ok()) return resolved.error();
  http::CurlOptions curl;
  curl.max_concurrent_transfers = std::max(4, options.max_concurrent_transfers);
  curl.max_host_connections = curl.max_concurrent_transfers;
  curl.max_attempts = 4;
  curl.use_netrc = false;  // WebHDFS takes no passwords: send none
  auto client = http::CurlClient::Create(curl);
  if (!client.ok()) return client.error();
  return MakeWebHdfsBackend(std::move(*resolved), std::move(*client));
}

}  // namespace sparkenv::store
