// AWS Signature Version 4 (SigV4) for requests signed in the Authorization
// header, as S3 wants them: the canonical request, the string to sign, the
// derived signing key and the header itself. Pure functions over strings
// (OpenSSL's HMAC-SHA256 and SHA-256); thread-safe.
//
// S3's flavour of the algorithm, which this file implements: the path is
// URI-encoded once (not twice, as other services do) and never normalized
// ("a/./b" and "a//b" are different keys), and every request carries
// x-amz-content-sha256, the hex sha256 of its body (the server checks the
// body against it before storing anything).
//
// Secrets: a SigningKey's bytes and Credentials::secret_access_key appear in
// no string this file returns except the signature (an HMAC, not the key).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/client.h"

namespace sparkenv::store {

// The sha256 of an empty body, the payload hash of GET, HEAD and DELETE.
inline constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty: long-term keys
  // Where they came from, for messages ("the environment variables
  // AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", "profile 'dev' in
  // '/home/a/.aws/credentials'"). Never a credential.
  std::string source;
};

// A request as the signer sees it. `canonical_uri` is the path already
// encoded (UriEncode(path, /*encode_slash=*/false)); `query` holds decoded
// names and values, in any order (the signer encodes and sorts them).
// `headers` are every header to sign, host and x-amz-date included, names in
// any case.
struct SigV4Request {
  std::string method;  // "GET", "PUT", ...
  std::string canonical_uri;
  std::vector<std::pair<std::string, std::string>> query;
  http::Headers headers;
  std::string payload_sha256;  // lowercase hex, or "UNSIGNED-PAYLOAD"
};

// Percent-encodes every byte except the unreserved A-Z a-z 0-9 - . _ ~ as
// %XX (uppercase hex); '/' is kept as it is unless `encode_slash`.
std::string UriEncode(std::string_view text, bool encode_slash);

// name=value pairs, each side UriEncode'd (slashes too), sorted by encoded
// name then value, joined with '&'. A name without value gives "name=".
std::string CanonicalQueryString(const std::vector<std::pair<std::string, std::string>>& query);

// "host;x-amz-date;...": the lowercased header names, sorted, unique.
std::string SignedHeaders(const http::Headers& headers);

// The canonical request: method, URI, query, canonical headers (lowercased
// names, sorted; values trimmed, inner runs of spaces collapsed to one,
// repeated headers joined with ',' in order), signed headers, payload hash.
std::string CanonicalRequest(const SigV4Request& request);

// "20150830/us-east-1/s3/aws4_request".
std::string CredentialScope(std::string_view date, std::string_view region,
                            std::string_view service);

// "AWS4-HMAC-SHA256\n<amz date>\n<scope>\n<hex sha256 of canonical request>".
std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request);

// The hex HMAC-SHA256 of `string_to_sign` under the key derived from
// `secret` for the day `date` (YYYYMMDD), the region and the service.
std::string SignatureHex(std::string_view secret, std::string_view date, std::string_view region,
                         std::string_view service, std::string_view string_to_sign);

// "20150830T123600Z" for a point in time (UTC).
std::string AmzDate(std::chrono::system_clock::time_point when);

// Signs `request` for S3-style use: sets x-amz-date (from `when`),
// x-amz-content-sha256 (the payload hash) and, with a session token,
// x-amz-security-token in request->headers, then returns the value of the
// Authorization header. `request->headers` must already hold the host.
std::string SignRequest(SigV4Request* request, const AwsCredentials& credentials,
                        std::string_view region, std::string_view service,
                        std::chrono::system_clock::time_point when);

// Presigns `request` (query-string authentication, a "presigned URL"): adds
// X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date (from `when`), X-Amz-Expires
// (`expires_seconds`, 1 to 604800: seven days, S3's limit), with a session
// token X-Amz-Security-Token, and X-Amz-SignedHeaders to request->query,
// signs with an unsigned payload and adds X-Amz-Signature. Returns the
// query string to append to the URL after '?' (canonical, the signature
// last): anyone holding
// the URL may send that request until it expires. `request->headers` must
// hold the host (and nothing the caller will not send).
inline constexpr int kMaxPresignSeconds = 7 * 24 * 3600;
std::string PresignQuery(SigV4Request* request, const AwsCredentials& credentials,
                         std::string_view region, std::string_view service,
                         std::chrono::system_clock::time_point when, int expires_seconds);

// "AWS4-HMAC-SHA256 Credential=<key id>/<scope>, SignedHeaders=..., Signature=...".
std::string AuthorizationHeader(std::string_view access_key_id, std::string_view scope,
                                std::string_view signed_headers, std::string_view signature);

// HMAC-SHA256 of `data` under `key`: the raw 32 bytes.
std::string HmacSha256(std::string_view key, std::string_view data);
// Lowercase hex of raw bytes.
std::string HexEncode(std::string_view bytes);

}  // namespace sparkenv::store
