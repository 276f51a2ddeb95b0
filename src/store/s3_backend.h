// The s3:// (and s3a://) store backend: S3 or any S3-compatible server,
// signed with SigV4 (s3_sigv4.h), configured from the URL, the flag and the
// AWS environment (s3_config.h). docs/store-s3.md is the user's side.
//
// What it adds to the Backend contract (backend.h):
//   - Keys are "<prefix>/<key>" in the bucket. Write() and small Upload()s
//     are one PUT; an Upload() above S3Options::multipart_threshold is a
//     multipart upload whose parts go in parallel and which is completed
//     only after every part is stored, or aborted.
//   - Every upload carries the sha256 of its bytes in the signed
//     x-amz-content-sha256 header (per part for multipart), so the server
//     refuses bytes that differ from what was hashed; Upload() with
//     WriteOptions::sha256 sends that hash for a single PUT (the server
//     checks the file against it) and, for multipart, compares the hash of
//     the whole file (computed while its parts are read) before completing.
//     Nothing that fails a check is ever completed under `key`.
//   - Requests are retried by the HTTP client (timeouts, dropped
//     connections, 429, 5xx) with S3Options' attempts and backoff; every
//     request sent again is safe to repeat (PUT of the same bytes, part
//     uploads by number, GET, HEAD, DELETE).
//   - Errors: bad credentials, a missing bucket (kNotFound), permission
//     denied, a full quota, a wrong region, a clock too far off each get
//     their own words, name the s3:// URL and the endpoint, and pass every
//     message through a filter that removes the secret key and session
//     token, whatever a server echoes.
//   - Thread-safe; transfers from several threads share one HTTP client
//     (OpenOptions::max_concurrent_transfers) and one budget of parts in
//     memory (S3Options::max_parts_in_flight).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "base/result.h"
#include "http/client.h"
#include "store/backend.h"

namespace sparkenv::store {

struct S3Options {
  static constexpr uint64_t kMiB = uint64_t{1024} * 1024;
  // S3's limits: parts of 5 MiB .. 5 GiB (the last may be smaller), at most
  // 10000 of them.
  static constexpr uint64_t kMinPartSize = 5 * kMiB;
  static constexpr uint64_t kMaxParts = 10000;

  // Uploads larger than this many bytes are multipart uploads.
  uint64_t multipart_threshold = 16 * kMiB;
  // The size of every part but the last; grown (in whole MiB) when an
  // object would otherwise need more than kMaxParts parts.
  uint64_t part_size = 8 * kMiB;
  // Parts read into memory and in flight at once, over the whole backend:
  // the memory bound of uploads is max_parts_in_flight * part_size.
  int max_parts_in_flight = 8;
  // ListObjectsV2's max-keys: keys per page; 0 leaves it to the server
  // (1000 on S3).
  int list_page_size = 0;
  // The HTTP client's retry policy (http::CurlOptions): attempts per request,
  // the first included, and the exponential backoff between them.
  int max_attempts = 5;
  std::chrono::milliseconds initial_backoff{250};
  std::chrono::milliseconds max_backoff{8'000};
  // The clock requests are signed with (tests fix it).
  std::function<std::chrono::system_clock::time_point()> now;
};

// How an object of `size` bytes is cut: `count` parts of `part_size`, the
// last one `last_size` (> 0) bytes. count == 0 for an empty object.
struct S3PartPlan {
  uint64_t part_size = 0;
  uint64_t count = 0;
  uint64_t last_size = 0;
};
S3PartPlan PlanParts(uint64_t size, const S3Options& options);

// Opens `url` (s3://bucket[/prefix] or s3a://...) with `client` as the
// transport, or, when it is null, a libcurl client configured from
// `options` and `s3`. Sends no request; errors (kInvalidInput) are those of
// S3Location::Parse and ResolveS3Settings.
Result<std::unique_ptr<Backend>> OpenS3Backend(std::string_view url, const OpenOptions& options,
                                               const S3Options& s3,
                                               std::unique_ptr<http::Client> client);

}  // namespace sparkenv::store
