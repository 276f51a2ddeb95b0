// The libcurl implementation of http::Client: one curl multi handle driven by
// one event-loop thread, with a cap on transfers in flight, HTTP/1.1
// keep-alive and HTTP/2 multiplexing (over TLS, where the server offers it),
// timeouts, redirects, bounded retries with exponential backoff and jitter,
// credentials from the URL's userinfo or ~/.netrc, and the User-Agent
// "sparkenv/<version>". docs/index-client.md describes the retry policy.
//
// Thread-safe: Submit() may be called from any thread. Destroying the client
// stops the loop; transfers still queued or running complete with an error
// ("cancelled"). Callbacks run on the loop thread.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "http/client.h"

namespace sparkenv::http {

struct CurlOptions {
  // Transfers in flight at once; more requests wait in a queue.
  int max_concurrent_transfers = 16;
  // Connections per host (HTTP/2 multiplexes many transfers over one).
  int max_host_connections = 6;
  std::chrono::milliseconds connect_timeout{10'000};
  // Whole-transfer limit; zero means none (big wheels take what they take).
  std::chrono::milliseconds total_timeout{0};
  // A transfer slower than low_speed_bytes per second for low_speed_time is
  // aborted as timed out (catches stalled connections without capping
  // large downloads).
  long low_speed_bytes = 1;  // NOLINT(google-runtime-int)
  std::chrono::seconds low_speed_time{30};
  // Attempts per request, the first included. Retried: timeouts, connection
  // failures (refused, reset, empty reply, TLS handshake), HTTP 429 and 5xx.
  int max_attempts = 3;
  // The n-th retry waits min(max_backoff, initial_backoff * 2^(n-1)),
  // scaled by a random factor in [0.5, 1) ("equal jitter"). A Retry-After
  // header (seconds) on 429/503 replaces it, bounded by max_backoff.
  std::chrono::milliseconds initial_backoff{250};
  std::chrono::milliseconds max_backoff{8'000};
  int max_redirects = 10;
  std::string user_agent = DefaultUserAgent();
  // Read credentials from ~/.netrc (or netrc_file) for hosts without
  // userinfo in the URL.
  bool use_netrc = true;
  std::optional<std::string> netrc_file;

  static std::string DefaultUserAgent();
};

class CurlClient : public Client {
 public:
  // Starts the event loop. Fails only when libcurl cannot be initialized.
  static Result<std::unique_ptr<CurlClient>> Create(CurlOptions options = {});
  ~CurlClient() override;
  CurlClient(const CurlClient&) = delete;
  CurlClient& operator=(const CurlClient&) = delete;

  void Submit(Request request, Callback done) override;

  class Impl;

 private:
  explicit CurlClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Pure parts of the policy, exposed for tests.
//
// The wait before retry number `retry` (1 = the first retry); `jitter` in
// [0, 1) picks the point in [0.5, 1) of the exponential delay.
std::chrono::milliseconds BackoffDelay(const CurlOptions& options, int retry, double jitter);
// Whether an HTTP status is retried: 429 and every 5xx except 501 and 505
// (which a retry cannot change).
bool IsRetryableStatus(long status);  // NOLINT(google-runtime-int)
// Retry-After as delta-seconds ("120"); HTTP dates are not supported
// (nullopt, and the backoff applies).
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value);
// Splits one raw header line ("Content-Type: text/html\r\n") into a
// lowercased name and a trimmed value; nullopt for status lines and blanks.
std::optional<std::pair<std::string, std::string>> ParseHeaderLine(std::string_view line);

}  // namespace sparkenv::http
