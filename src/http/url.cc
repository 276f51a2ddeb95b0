#include "http/url.h"

#include <vector>

#include "base/strings.h"

namespace sparkenv::http {

UrlParts UrlParts::Parse(std::string_view url) {
  UrlParts p;
  std::string_view rest = url;
  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
  size_t colon = rest.find(':');
  if (colon != std::string_view::npos && colon > 0 && IsAsciiAlpha(rest[0])) {
    bool scheme_ok = true;
    for (size_t i = 0; i < colon; ++i) {
      char c = rest[i];
      if (!IsAsciiAlnum(c) && c != '+' && c != '-' && c != '.') {
        scheme_ok = false;
        break;
      }
    }
    if (scheme_ok) {
      p.scheme = ToLowerAscii(rest.substr(0, colon));
      rest.remove_prefix(colon + 1);
    }
  }
  size_t hash = rest.find('#');
  if (hash != std::string_view::npos) {
    p.has_fragment = true;
    p.fragment = std::string(rest.substr(hash + 1));
    rest = rest.substr(0, hash);
  }
  size_t question = rest.find('?');
  if (question != std::string_view::npos) {
    p.has_query = true;
    p.query = std::string(rest.substr(question + 1));
    rest = rest.substr(0, question);
  }
  if (StartsWith(rest, "//")) {
    rest.remove_prefix(2);
    size_t slash = rest.find('/');
    p.has_authority = true;
    p.authority = std::string(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  }
  p.path = std::string(rest);
  return p;
}

std::string UrlParts::ToString() const {
  std::string out;
  if (!scheme.empty()) out += scheme + ":";
  if (has_authority) out += "//" + authority;
  out += path;
  if (has_query) out += "?" + query;
  if (has_fragment) out += "#" + fragment;
  return out;
}

namespace {

// RFC 3986 section 5.2.4.
std::string RemoveDotSegments(std::string_view path) {
  std::vector<std::string_view> out;
  bool absolute = StartsWith(path, "/");
  std::string_view rest = absolute ? path.substr(1) : path;
  bool trailing_slash = false;
  while (true) {
    size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    bool last = slash == std::string_view::npos;
    if (seg == ".") {
      trailing_slash = last;
    } else if (seg == "..") {
      if (!out.empty()) out.pop_back();
      trailing_slash = last;
    } else {
      out.push_back(seg);
      trailing_slash = false;
    }
    if (last) break;
    rest.remove_prefix(slash + 1);
  }
  std::string result = absolute ? "/" : "";
  for (size_t i = 0; i < out.size(); ++i) {
    if (i > 0) result += '/';
    result += out[i];
  }
  if (trailing_slash && !out.empty()) result += '/';
  return result;
}

std::string MergePaths(const UrlParts& base, std::string_view ref_path) {
  if (base.has_authority && base.path.empty()) return "/" + std::string(ref_path);
  size_t slash = base.path.rfind('/');
  if (slash == std::string::npos) return std::string(ref_path);
  return base.path.substr(0, slash + 1) + std::string(ref_path);
}

}  // namespace

std::string ResolveUrl(std::string_view base_url, std::string_view reference) {
  UrlParts ref = UrlParts::Parse(TrimAscii(reference));
  UrlParts base = UrlParts::Parse(base_url);
  UrlParts t;
  if (!ref.scheme.empty()) {
    t = ref;
    t.path = RemoveDotSegments(ref.path);
  } else {
    t.scheme = base.scheme;
    if (ref.has_authority) {
      t.has_authority = true;
      t.authority = ref.authority;
      t.path = RemoveDotSegments(ref.path);
      t.has_query = ref.has_query;
      t.query = ref.query;
    } else {
      t.has_authority = base.has_authority;
      t.authority = base.authority;
      if (ref.path.empty()) {
        t.path = base.path;
        t.has_query = ref.has_query || base.has_query;
        t.query = ref.has_query ? ref.query : base.query;
      } else {
        t.path =
            RemoveDotSegments(StartsWith(ref.path, "/") ? ref.path : MergePaths(base, ref.path));
        t.has_query = ref.has_query;
        t.query = ref.query;
      }
    }
    t.has_fragment = ref.has_fragment;
    t.fragment = ref.fragment;
  }
  return t.ToString();
}

std::string WithoutFragment(std::string_view url) {
  return std::string(url.substr(0, url.find('#')));
}

std::string RedactUrl(std::string_view url) {
  UrlParts p = UrlParts::Parse(url);
  if (!p.has_authority) return std::string(url);
  size_t at = p.authority.rfind('@');
  if (at == std::string::npos) return std::string(url);
  std::string userinfo = p.authority.substr(0, at);
  size_t colon = userinfo.find(':');
  if (colon == std::string::npos) return std::string(url);
  p.authority = userinfo.substr(0, colon) + ":***" + p.authority.substr(at);
  return p.ToString();
}

std::string PercentDecode(std::string_view text) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int hi = hex(text[i + 1]);
      int lo = hex(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

std::string UrlFileName(std::string_view url) {
  UrlParts p = UrlParts::Parse(url);
  size_t slash = p.path.rfind('/');
  std::string_view last = slash == std::string::npos ? std::string_view(p.path)
                                                     : std::string_view(p.path).substr(slash + 1);
  return PercentDecode(last);
}

}  // namespace sparkenv::http
