#include "http/curl_client.h"

#include <curl/curl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "base/strings.h"
#include "http/url.h"

#ifndef SPARKENV_VERSION
#define SPARKENV_VERSION "0"
#endif

namespace sparkenv::http {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string CurlOptions::DefaultUserAgent() { return std::string("sparkenv/") + SPARKENV_VERSION; }

milliseconds BackoffDelay(const CurlOptions& options, int retry, double jitter) {
  double base = static_cast<double>(options.initial_backoff.count());
  double cap = static_cast<double>(options.max_backoff.count());
  double exp = base * std::pow(2.0, std::max(0, retry - 1));
  double delay = std::min(cap, exp) * (0.5 + 0.5 * std::clamp(jitter, 0.0, 1.0));
  return milliseconds(static_cast<int64_t>(delay));
}

bool IsRetryableStatus(long status) {  // NOLINT(google-runtime-int)
  return status == 429 || (status >= 500 && status <= 599 && status != 501 && status != 505);
}

std::optional<milliseconds> ParseRetryAfter(std::string_view value) {
  std::string_view v = TrimAscii(value);
  if (v.empty() || v.size() > 9) return std::nullopt;
  int64_t seconds = 0;
  for (char c : v) {
    if (!IsAsciiDigit(c)) return std::nullopt;
    seconds = seconds * 10 + (c - '0');
  }
  return milliseconds(seconds * 1000);
}

std::optional<std::pair<std::string, std::string>> ParseHeaderLine(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  std::string_view name = line.substr(0, colon);
  for (char c : name) {
    if (IsAsciiSpace(c)) return std::nullopt;
  }
  return std::make_pair(ToLowerAscii(name), std::string(TrimAscii(line.substr(colon + 1))));
}

namespace {

struct EasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct MultiDeleter {
  void operator()(CURLM* h) const { curl_multi_cleanup(h); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct FileDeleter {
  void operator()(FILE* f) const { std::fclose(f); }  // NOLINT(cppcoreguidelines-owning-memory)
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;
using MultiHandle = std::unique_ptr<CURLM, MultiDeleter>;
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;
using FileHandle = std::unique_ptr<FILE, FileDeleter>;

// "https://u:p@Host:1/x" -> {"host:1", "u:p"}; no userinfo -> {"host:1", ""}.
std::pair<std::string, std::string> SplitUserinfo(const std::string& url) {
  UrlParts p = UrlParts::Parse(url);
  size_t at = p.authority.rfind('@');
  if (at == std::string::npos) return {ToLowerAscii(p.authority), ""};
  return {ToLowerAscii(p.authority.substr(at + 1)), p.authority.substr(0, at)};
}

bool IsRetryableCode(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
}

std::string Attempts(int n) {
  return "(after " + std::to_string(n) + (n == 1 ? " attempt)" : " attempts)");
}

struct Transfer {
  Request request;
  Client::Callback done;
  int attempts = 0;
  Clock::time_point not_before{};
  EasyHandle easy;
  Slist headers;
  FileHandle file;
  FileHandle upload_file;    // Request::upload_path, open during an attempt
  size_t upload_offset = 0;  // next byte of Request::upload_body to send
  std::string body;
  Headers response_headers;
  std::string userpwd;  // "user:password" learned from an earlier URL of the host
  char errbuf[CURL_ERROR_SIZE] = {};
  bool write_failed = false;
};

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  if (t->file) {
    if (std::fwrite(data, 1, n, t->file.get()) != n) {
      t->write_failed = true;
      return 0;
    }
  } else {
    t->body.append(data, n);
  }
  return n;
}

// Supplies the request body, from Request::upload_path or upload_body.
size_t ReadBody(char* buffer, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t want = size * count;
  size_t n = 0;
  if (t->upload_file) {
    n = std::fread(buffer, 1, want, t->upload_file.get());
    if (n == 0 && std::ferror(t->upload_file.get())) return CURL_READFUNC_ABORT;
  } else {
    n = std::min(want, t->request.upload_body.size() - t->upload_offset);
    std::memcpy(buffer, t->request.upload_body.data() + t->upload_offset, n);
    t->upload_offset += n;
  }
  if (n > 0 && t->request.on_upload_bytes) t->request.on_upload_bytes(n);
  return n;
}

// Rewinds the body when libcurl must send it again (a redirect, an auth
// round trip); only a rewind to the start is ever asked for.
int SeekBody(void* user, curl_off_t offset, int origin) {
  auto* t = static_cast<Transfer*>(user);
  if (origin != SEEK_SET || offset < 0) return CURL_SEEKFUNC_CANTSEEK;
  if (t->upload_file) {
    return std::fseek(t->upload_file.get(), static_cast<long>(offset), SEEK_SET) == 0  // NOLINT
               ? CURL_SEEKFUNC_OK
               : CURL_SEEKFUNC_FAIL;
  }
  if (static_cast<size_t>(offset) > t->request.upload_body.size()) return CURL_SEEKFUNC_FAIL;
  t->upload_offset = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

size_t WriteHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  std::string_view line(data, n);
  if (StartsWith(line, "HTTP/")) {
    t->response_headers.clear();  // a new response (after a redirect or 100)
  } else if (auto header = ParseHeaderLine(line)) {
    t->response_headers.push_back(std::move(*header));
  }
  return n;
}

}  // namespace

class CurlClient::Impl {
 public:
  explicit Impl(CurlOptions options) : options_(std::move(options)), rng_(std::random_device{}()) {}

  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    if (multi_) curl_multi_wakeup(multi_.get());
    if (thread_.joinable()) thread_.join();
    // Whatever is left never ran to completion.
    std::vector<std::unique_ptr<Transfer>> left;
    for (auto& t : submitted_) left.push_back(std::move(t));
    for (auto& t : waiting_) left.push_back(std::move(t));
    for (auto& t : active_) {
      curl_multi_remove_handle(multi_.get(), t->easy.get());
      left.push_back(std::move(t));
    }
    for (auto& t : left) {
      Response r;
      r.url = t->request.url;
      r.attempts = t->attempts;
      r.error = Error(std::string(MethodName(t->request.method)) + " " + RedactUrl(t->request.url) +
                          ": cancelled",
                      ErrorKind::kIo);
      t->done(std::move(r));
    }
  }

  Status Start() {
    multi_.reset(curl_multi_init());
    if (!multi_) return Error("cannot initialize libcurl (curl_multi_init)", ErrorKind::kIo);
    curl_multi_setopt(multi_.get(), CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    curl_multi_setopt(multi_.get(), CURLMOPT_MAX_HOST_CONNECTIONS,
                      static_cast<long>(options_.max_host_connections));  // NOLINT
    thread_ = std::thread([this] { Loop(); });
    return Status::Ok();
  }

  void Submit(Request request, Callback done) {
    auto t = std::make_unique<Transfer>();
    t->request = std::move(request);
    t->done = std::move(done);
    auto [host, userinfo] = SplitUserinfo(t->request.url);
    {
      std::lock_guard<std::mutex> lock(mu_);
      // As pip does: credentials seen in a URL apply to later URLs of the
      // same host that carry none (an index's absolute file links).
      if (!userinfo.empty()) {
        credentials_[host] = userinfo;
      } else if (auto it = credentials_.find(host); it != credentials_.end()) {
        t->userpwd = PercentDecode(it->second);
      }
      submitted_.push_back(std::move(t));
    }
    curl_multi_wakeup(multi_.get());
  }

 private:
  void Loop() {
    while (true) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stop_) return;
        for (auto& t : submitted_) waiting_.push_back(std::move(t));
        submitted_.clear();
      }
      StartDue();
      int running = 0;
      curl_multi_perform(multi_.get(), &running);
      int left = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi_.get(), &left)) {
        if (msg->msg == CURLMSG_DONE) Finished(msg->easy_handle, msg->data.result);
      }
      StartDue();
      int timeout_ms = 1000;
      auto now = Clock::now();
      for (const auto& t : waiting_) {
        if (static_cast<int>(active_.size()) >= options_.max_concurrent_transfers) break;
        auto wait = std::chrono::duration_cast<milliseconds>(t->not_before - now).count();
        timeout_ms = std::clamp(static_cast<int>(wait), 0, timeout_ms);
      }
      curl_multi_poll(multi_.get(), nullptr, 0, timeout_ms, nullptr);
    }
  }

  // Moves waiting transfers whose time has come onto the multi handle, up to
  // the cap. Waiting retries do not block newer requests behind them.
  void StartDue() {
    auto now = Clock::now();
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      if (static_cast<int>(active_.size()) >= options_.max_concurrent_transfers) return;
      if ((*it)->not_before > now) {
        ++it;
        continue;
      }
      std::unique_ptr<Transfer> t = std::move(*it);
      it = waiting_.erase(it);
      Begin(std::move(t));
    }
  }

  void Begin(std::unique_ptr<Transfer> t) {
    ++t->attempts;
    t->body.clear();
    t->response_headers.clear();
    t->errbuf[0] = '\0';
    t->write_failed = false;
    if (t->request.body_path) {
      t->file.reset(std::fopen(t->request.body_path->c_str(), "wb"));
      if (!t->file) {
        Error error(std::string(MethodName(t->request.method)) + " " + RedactUrl(t->request.url) +
                        ": cannot write " + Quote(*t->request.body_path) + ": " +
                        std::strerror(errno),
                    ErrorKind::kIo);
        Complete(std::move(t), 0, std::move(error));
        return;
      }
    }
    t->upload_offset = 0;
    uint64_t upload_size = t->request.upload_body.size();
    if (t->request.upload_path) {
      t->upload_file.reset(std::fopen(t->request.upload_path->c_str(), "rb"));
      struct stat st {};
      if (!t->upload_file || fstat(fileno(t->upload_file.get()), &st) != 0) {
        Error error(std::string(MethodName(t->request.method)) + " " + RedactUrl(t->request.url) +
                        ": cannot read " + Quote(*t->request.upload_path) + ": " +
                        std::strerror(errno),
                    ErrorKind::kIo);
        Complete(std::move(t), 0, std::move(error));
        return;
      }
      upload_size = static_cast<uint64_t>(st.st_size);
    }
    t->easy.reset(curl_easy_init());
    CURL* e = t->easy.get();
    curl_easy_setopt(e, CURLOPT_URL, t->request.url.c_str());
    curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, WriteBody);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, WriteHeader);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t.get());
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, t->request.follow_redirects ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, static_cast<long>(options_.max_redirects));  // NOLINT
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_USERAGENT, options_.user_agent.c_str());
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
    // Over TLS, wait for a connection that may turn out to be HTTP/2 rather
    // than opening more; plain HTTP is 1.1 only, so waiting gains nothing.
    if (StartsWith(t->request.url, "https:")) curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options_.connect_timeout.count()));  // NOLINT
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(options_.total_timeout.count()));  // NOLINT
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, options_.low_speed_bytes);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
                     static_cast<long>(options_.low_speed_time.count()));  // NOLINT
    if (!t->userpwd.empty()) curl_easy_setopt(e, CURLOPT_USERPWD, t->userpwd.c_str());
    if (options_.use_netrc) {
      curl_easy_setopt(e, CURLOPT_NETRC, static_cast<long>(CURL_NETRC_OPTIONAL));  // NOLINT
      if (options_.netrc_file)
        curl_easy_setopt(e, CURLOPT_NETRC_FILE, options_.netrc_file->c_str());
    }
    switch (t->request.method) {
      case Method::kGet:
        break;
      case Method::kHead:
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
        break;
      case Method::kPut:
        curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(upload_size));
        break;
      case Method::kPost:
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(upload_size));
        break;
      case Method::kDelete:
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "DELETE");
        break;
    }
    bool has_body = t->request.method == Method::kPut || t->request.method == Method::kPost;
    if (has_body) {
      curl_easy_setopt(e, CURLOPT_READFUNCTION, ReadBody);
      curl_easy_setopt(e, CURLOPT_READDATA, t.get());
      curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, SeekBody);
      curl_easy_setopt(e, CURLOPT_SEEKDATA, t.get());
    }
    // Compressed transfer only for bodies kept in memory and read whole:
    // ranges and files must be the bytes as stored.
    bool ranged = FindHeader(t->request.headers, "Range").has_value();
    if (!ranged && !t->request.body_path) curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    Slist list;
    Headers headers = t->request.headers;
    // No "Expect: 100-continue" round trip before a body: the servers we
    // upload to answer errors after the body just as well, and some
    // (WebHDFS DataNodes behind proxies) stall on it.
    if (has_body && !FindHeader(headers, "Expect")) headers.emplace_back("Expect", "");
    for (const auto& [k, v] : headers) {
      // "Name:" with nothing after the colon removes a header libcurl adds.
      std::string line = v.empty() ? k + ":" : k + ": " + v;
      curl_slist* next = curl_slist_append(list.get(), line.c_str());
      if (next) {
        (void)list.release();
        list.reset(next);
      }
    }
    t->headers = std::move(list);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers.get());
    curl_multi_add_handle(multi_.get(), e);
    active_.push_back(std::move(t));
  }

  void Finished(CURL* easy, CURLcode code) {
    auto it = std::find_if(active_.begin(), active_.end(),
                           [easy](const auto& t) { return t->easy.get() == easy; });
    if (it == active_.end()) return;
    std::unique_ptr<Transfer> t = std::move(*it);
    active_.erase(it);
    curl_multi_remove_handle(multi_.get(), easy);
    t->file.reset();  // flush and close before the callback reads it
    t->upload_file.reset();

    long status = 0;  // NOLINT(google-runtime-int)
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    bool retry_code = code != CURLE_OK && IsRetryableCode(code);
    bool retry_status = code == CURLE_OK && IsRetryableStatus(status);
    if ((retry_code || retry_status) && t->attempts < options_.max_attempts) {
      milliseconds delay = BackoffDelay(options_, t->attempts, jitter_(rng_));
      if (retry_status && (status == 429 || status == 503)) {
        if (auto after =
                ParseRetryAfter(FindHeader(t->response_headers, "retry-after").value_or(""))) {
          delay = std::min(*after, options_.max_backoff);
        }
      }
      t->not_before = Clock::now() + delay;
      t->easy.reset();
      t->headers.reset();
      waiting_.push_back(std::move(t));
      return;
    }
    std::optional<Error> error;
    std::string what = std::string(MethodName(t->request.method)) + " " + RedactUrl(t->request.url);
    if (t->write_failed) {
      error = Error(what + ": cannot write " + Quote(t->request.body_path.value_or("")) + ": " +
                        std::strerror(errno),
                    ErrorKind::kIo);
    } else if (code != CURLE_OK) {
      error = Error(what + ": " + Describe(easy, code, t->errbuf) + " " + Attempts(t->attempts),
                    ErrorKind::kIo);
    } else if (retry_status) {
      error = Error(what + ": HTTP " + std::to_string(status) + " " + Attempts(t->attempts),
                    ErrorKind::kIo);
    }
    Complete(std::move(t), status, std::move(error));
  }

  static std::string Describe(CURL* easy, CURLcode code, const char* errbuf) {
    switch (code) {
      case CURLE_COULDNT_CONNECT: {
        long os_errno = 0;  // NOLINT(google-runtime-int)
        curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno);
        if (os_errno == ECONNREFUSED) return "connection refused";
        if (os_errno != 0)
          return std::string("cannot connect: ") + std::strerror(static_cast<int>(os_errno));
        return "cannot connect";
      }
      case CURLE_OPERATION_TIMEDOUT:
        return "timed out";
      case CURLE_COULDNT_RESOLVE_HOST:
        return "cannot resolve the host name";
      case CURLE_TOO_MANY_REDIRECTS:
        return "too many redirects";
      default:
        break;
    }
    std::string text = curl_easy_strerror(code);
    if (errbuf[0] != '\0') text += std::string(" (") + errbuf + ")";
    return text;
  }

  void Complete(std::unique_ptr<Transfer> t, long status, std::optional<Error> error) {  // NOLINT
    Response r;
    r.url = t->request.url;
    r.status = error ? 0 : status;
    r.attempts = t->attempts;
    if (t->easy) {
      char* effective = nullptr;
      curl_easy_getinfo(t->easy.get(), CURLINFO_EFFECTIVE_URL, &effective);
      if (effective) r.effective_url = effective;
    }
    if (r.effective_url.empty()) r.effective_url = t->request.url;
    if (!error) {
      r.headers = std::move(t->response_headers);
      r.body = std::move(t->body);
    }
    r.error = std::move(error);
    Callback done = std::move(t->done);
    t.reset();
    done(std::move(r));
  }

  CurlOptions options_;
  MultiHandle multi_;
  std::thread thread_;
  std::mutex mu_;
  bool stop_ = false;                                 // guarded by mu_
  std::vector<std::unique_ptr<Transfer>> submitted_;  // guarded by mu_
  std::map<std::string, std::string> credentials_;    // host -> userinfo; guarded by mu_
  std::list<std::unique_ptr<Transfer>> waiting_;      // loop thread only
  std::vector<std::unique_ptr<Transfer>> active_;     // loop thread only
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> jitter_{0.0, 1.0};
};

namespace {
std::once_flag curl_global_once;
CURLcode curl_global_status = CURLE_OK;
}  // namespace

Result<std::unique_ptr<CurlClient>> CurlClient::Create(CurlOptions options) {
  std::call_once(curl_global_once,
                 [] { curl_global_status = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (curl_global_status != CURLE_OK) {
    return Error(
        std::string("cannot initialize libcurl: ") + curl_easy_strerror(curl_global_status),
        ErrorKind::kIo);
  }
  auto impl = std::make_unique<Impl>(std::move(options));
  Status status = impl->Start();
  if (!status.ok()) return status.error();
  return std::unique_ptr<CurlClient>(new CurlClient(std::move(impl)));
}

CurlClient::CurlClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CurlClient::~CurlClient() = default;

void CurlClient::Submit(Request request, Callback done) {
  impl_->Submit(std::move(request), std::move(done));
}

}  // namespace sparkenv::http
