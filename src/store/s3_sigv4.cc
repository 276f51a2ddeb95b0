#include "store/s3_sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <ctime>

#include "base/strings.h"
#include "index/sha256.h"

namespace sparkenv::store {

namespace {

bool Unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// The header value as SigV4 canonicalizes it: leading and trailing spaces
// removed, every inner run of spaces (and tabs) replaced by one space.
std::string CanonicalValue(std::string_view value) {
  std::string_view v = TrimAscii(value);
  std::string out;
  out.reserve(v.size());
  bool in_space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      in_space = true;
      continue;
    }
    if (in_space) out += ' ';
    in_space = false;
    out += c;
  }
  return out;
}

// (lowercased name, canonical values joined with ','), sorted by name.
std::vector<std::pair<std::string, std::string>> CanonicalHeaders(const http::Headers& headers) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, value] : headers) {
    std::string lower = ToLowerAscii(TrimAscii(name));
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& h) { return h.first == lower; });
    if (it == out.end()) {
      out.emplace_back(std::move(lower), CanonicalValue(value));
    } else {
      it->second += ',';
      it->second += CanonicalValue(value);
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

}  // namespace

std::string UriEncode(std::string_view text, bool encode_slash) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (Unreserved(c) || (c == '/' && !encode_slash)) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string CanonicalQueryString(const std::vector<std::pair<std::string, std::string>>& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) {
    encoded.emplace_back(UriEncode(name, true), UriEncode(value, true));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

std::string SignedHeaders(const http::Headers& headers) {
  std::string out;
  for (const auto& [name, value] : CanonicalHeaders(headers)) {
    if (!out.empty()) out += ';';
    out += name;
  }
  return out;
}

std::string CanonicalRequest(const SigV4Request& request) {
  std::string out = request.method + "\n" + request.canonical_uri + "\n" +
                    CanonicalQueryString(request.query) + "\n";
  for (const auto& [name, value] : CanonicalHeaders(request.headers)) {
    out += name;
    out += ':';
    out += value;
    out += '\n';
  }
  out += '\n';
  out += SignedHeaders(request.headers);
  out += '\n';
  out += request.payload_sha256;
  return out;
}

std::string CredentialScope(std::string_view date, std::string_view region,
                            std::string_view service) {
  return std::string(date) + "/" + std::string(region) + "/" + std::string(service) +
         "/aws4_request";
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  return "AWS4-HMAC-SHA256\n" + std::string(amz_date) + "\n" + std::string(scope) + "\n" +
         index::Sha256Hex(canonical_request);
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &size);
  return std::string(reinterpret_cast<const char*>(out), size);
}

std::string HexEncode(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char ch : bytes) {
    auto c = static_cast<unsigned char>(ch);
    out += kDigits[c >> 4];
    out += kDigits[c & 0xF];
  }
  return out;
}

std::string SignatureHex(std::string_view secret, std::string_view date, std::string_view region,
                         std::string_view service, std::string_view string_to_sign) {
  std::string key = HmacSha256("AWS4" + std::string(secret), date);
  key = HmacSha256(key, region);
  key = HmacSha256(key, service);
  key = HmacSha256(key, "aws4_request");
  return HexEncode(HmacSha256(key, string_to_sign));
}

std::string AuthorizationHeader(std::string_view access_key_id, std::string_view scope,
                                std::string_view signed_headers, std::string_view signature) {
  return "AWS4-HMAC-SHA256 Credential=" + std::string(access_key_id) + "/" + std::string(scope) +
         ", SignedHeaders=" + std::string(signed_headers) + ", Signature=" + std::string(signature);
}

std::string AmzDate(std::chrono::system_clock::time_point when) {
  std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &tm);
  return buffer;
}

std::string SignRequest(SigV4Request* request, const AwsCredentials& credentials,
                        std::string_view region, std::string_view service,
                        std::chrono::system_clock::time_point when) {
  std::string amz_date = AmzDate(when);
  request->headers.emplace_back("x-amz-date", amz_date);
  request->headers.emplace_back("x-amz-content-sha256", request->payload_sha256);
  if (!credentials.session_token.empty()) {
    request->headers.emplace_back("x-amz-security-token", credentials.session_token);
  }
  std::string date = amz_date.substr(0, 8);
  std::string scope = CredentialScope(date, region, service);
  std::string to_sign = StringToSign(amz_date, scope, CanonicalRequest(*request));
  return AuthorizationHeader(
      credentials.access_key_id, scope, SignedHeaders(request->headers),
      SignatureHex(credentials.secret_access_key, date, region, service, to_sign));
}

std::string PresignQuery(SigV4Request* request, const AwsCredentials& credentials,
                         std::string_view region, std::string_view service,
                         std::chrono::system_clock::time_point when, int expires_seconds) {
  const std::string amz_date = AmzDate(when);
  const std::string date = amz_date.substr(0, 8);
  const std::string scope = CredentialScope(date, region, service);
  request->payload_sha256 = "UNSIGNED-PAYLOAD";
  auto& q = request->query;
  q.emplace_back("X-Amz-Algorithm", "AWS4-HMAC-SHA256");
  q.emplace_back("X-Amz-Credential", credentials.access_key_id + "/" + scope);
  q.emplace_back("X-Amz-Date", amz_date);
  q.emplace_back("X-Amz-Expires", std::to_string(expires_seconds));
  if (!credentials.session_token.empty()) {
    q.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  q.emplace_back("X-Amz-SignedHeaders", SignedHeaders(request->headers));
  const std::string to_sign = StringToSign(amz_date, scope, CanonicalRequest(*request));
  std::string signature =
      SignatureHex(credentials.secret_access_key, date, region, service, to_sign);
  std::string out = CanonicalQueryString(q) + "&X-Amz-Signature=" + signature;  // last, by custom
  q.emplace_back("X-Amz-Signature", std::move(signature));
  return out;
}

}  // namespace sparkenv::store
