// The HTTP client interface. The index client, the metadata sources and
// (later) the installer and stores talk to this interface only, so tests can
// pass a fake and the libcurl implementation (curl_client.h) stays private.
//
// Contract:
//   - Submit() never blocks on the network; `done` is called exactly once,
//     from the client's own thread (or, for a fake or a cache hit, possibly
//     from the caller's thread before Submit returns). `done` must not block
//     for long: it runs on the event loop.
//   - A Response always comes back: transport failures (refused connection,
//     timeout, ...) are in Response::error after the client's retries; an
//     HTTP status such as 404 is NOT an error (callers decide).
//   - Implementations are thread-safe: Submit may be called from any thread.
#pragma once

#include <functional>
#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace sparkenv::http {

enum class Method { kGet, kHead, kPut, kPost, kDelete };

// "GET", "HEAD", "PUT", "POST", "DELETE".
const char* MethodName(Method method);

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  Method method = Method::kGet;
  std::string url;
  // Extra request headers, e.g. {"Accept", ...}, {"Range", "bytes=-65536"},
  // {"If-None-Match", "\"etag\""}.
  Headers headers;
  // When set, the body is written to this file (created or truncated; on a
  // retry it starts over) instead of Response::body. The caller renames it
  // into place: a failed transfer leaves a partial file there.
  std::optional<std::string> body_path;
  // The request body (PUT, POST): the bytes of `upload_body`, or, when
  // `upload_path` is set, the whole file at that path (reopened for every
  // attempt, so a retry sends it again from the start). Neither: no body.
  std::string upload_body;
  std::optional<std::string> upload_path;
  // false: a 3xx answer is returned as it is (its Location header tells
  // where), as the two-step WebHDFS CREATE needs.
  bool follow_redirects = true;
  // Called on the client's thread with the number of body bytes just sent
  // (for progress and transfer counters; retries send the bytes again).
  // Must not block.
  std::function<void(size_t)> on_upload_bytes;
};

struct Response {
  std::string url;            // the URL requested
  std::string effective_url;  // after redirects
  long status = 0;            // NOLINT(google-runtime-int): 0 when no response came
  // Headers of the final response, names lowercased, in order.
  Headers headers;
  std::string body;  // empty when Request::body_path was set
  int attempts = 0;
  // Set when no usable response came back (after retries), or when a retried
  // status (5xx, 429) persisted: the message names the method, the URL
  // (password redacted) and what happened.
  std::optional<Error> error;

  bool ok() const { return !error.has_value(); }
  // The first header named `name` (case-insensitive), if any.
  std::optional<std::string> Header(std::string_view name) const;
};

class Client {
 public:
  using Callback = std::function<void(Response)>;
  virtual ~Client() = default;

  virtual void Submit(Request request, Callback done) = 0;

  // Conveniences over Submit.
  std::future<Response> Fetch(Request request);
  // Runs all requests (concurrently, up to the client's cap) and returns the
  // responses in request order.
  std::vector<Response> FetchAll(std::vector<Request> requests);
};

// The first value of header `name` in `headers` (case-insensitive).
std::optional<std::string> FindHeader(const Headers& headers, std::string_view name);

}  // namespace sparkenv::http
