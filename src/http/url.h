// URL helpers the HTTP client and the index client share: RFC 3986
// reference resolution (relative file links on index pages), redaction of
// credentials for messages, and the file name at the end of a URL.
// Pure functions over strings; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace sparkenv::http {

// The parts of an absolute or relative URL reference (RFC 3986 section 3).
// `has_*` tell an absent part from an empty one ("a?" has an empty query).
struct UrlParts {
  std::string scheme;  // without ':'; empty for a relative reference
  bool has_authority = false;
  std::string authority;  // userinfo@host:port
  std::string path;
  bool has_query = false;
  std::string query;
  bool has_fragment = false;
  std::string fragment;

  static UrlParts Parse(std::string_view url);
  std::string ToString() const;
};

// Resolves `reference` against the absolute URL `base` (RFC 3986 section
// 5.2, dot segments removed). An absolute reference is returned normalized.
std::string ResolveUrl(std::string_view base, std::string_view reference);

// The URL without its "#fragment".
std::string WithoutFragment(std::string_view url);

// The URL with any password replaced by "***" (for messages and logs):
// "https://user:secret@host/x" -> "https://user:***@host/x".
std::string RedactUrl(std::string_view url);

// Decodes %XX escapes; malformed escapes are kept as written.
std::string PercentDecode(std::string_view text);

// The percent-decoded last segment of the URL's path (query and fragment
// ignored): "https://h/f/x-1.0.tar.gz?a#b" -> "x-1.0.tar.gz".
std::string UrlFileName(std::string_view url);

}  // namespace sparkenv::http
