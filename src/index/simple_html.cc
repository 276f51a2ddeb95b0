#include "index/simple_html.h"

#include <cstdint>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "http/url.h"

namespace sparkenv::index {

namespace {

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// One start tag: its lowercased name and attributes (names lowercased,
// values unescaped), in order.
struct Tag {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attrs;

  const std::string* Get(std::string_view attr) const {
    for (const auto& [k, v] : attrs) {
      if (k == attr) return &v;
    }
    return nullptr;
  }
};

// Reads the tag starting at text[pos] == '<'; sets `end` past its '>'.
Tag ReadTag(std::string_view text, size_t pos, size_t& end) {
  Tag tag;
  size_t i = pos + 1;
  while (i < text.size() && (IsAsciiAlnum(text[i]) || text[i] == '-' || text[i] == ':')) {
    tag.name += AsciiLower(text[i]);
    ++i;
  }
  while (i < text.size() && text[i] != '>') {
    char c = text[i];
    if (IsAsciiSpace(c) || c == '/') {
      ++i;
      continue;
    }
    std::string attr;
    while (i < text.size() && !IsAsciiSpace(text[i]) && text[i] != '=' && text[i] != '>' &&
           text[i] != '/') {
      attr += AsciiLower(text[i]);
      ++i;
    }
    if (attr.empty()) {  // a stray character such as '"'
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && IsAsciiSpace(text[j])) ++j;
    std::string value;
    if (j < text.size() && text[j] == '=') {
      ++j;
      while (j < text.size() && IsAsciiSpace(text[j])) ++j;
      if (j < text.size() && (text[j] == '"' || text[j] == '\'')) {
        char quote = text[j];
        size_t close = text.find(quote, j + 1);
        if (close == std::string_view::npos) close = text.size();
        value = HtmlUnescape(text.substr(j + 1, close - j - 1));
        i = close < text.size() ? close + 1 : close;
      } else {
        size_t k = j;
        while (k < text.size() && !IsAsciiSpace(text[k]) && text[k] != '>') ++k;
        value = HtmlUnescape(text.substr(j, k - j));
        i = k;
      }
    }
    tag.attrs.emplace_back(std::move(attr), std::move(value));
  }
  end = i < text.size() ? i + 1 : i;
  return tag;
}

bool IsKnownHash(const std::string& name) {
  return name == "md5" || name == "sha1" || name == "sha224" || name == "sha256" ||
         name == "sha384" || name == "sha512";
}

}  // namespace

std::string HtmlUnescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    size_t semi = text.find(';', i + 1);
    if (semi == std::string_view::npos || semi - i > 12) {
      out += '&';
      continue;
    }
    std::string_view ref = text.substr(i + 1, semi - i - 1);
    std::string decoded;
    if (ref == "amp") {
      decoded = "&";
    } else if (ref == "lt") {
      decoded = "<";
    } else if (ref == "gt") {
      decoded = ">";
    } else if (ref == "quot") {
      decoded = "\"";
    } else if (ref == "apos") {
      decoded = "'";
    } else if (ref.size() >= 2 && ref[0] == '#') {
      bool hex = ref[1] == 'x' || ref[1] == 'X';
      std::string_view digits = ref.substr(hex ? 2 : 1);
      uint32_t cp = 0;
      bool ok = !digits.empty();
      for (char c : digits) {
        int d = -1;
        if (IsAsciiDigit(c)) {
          d = c - '0';
        } else if (hex && AsciiLower(c) >= 'a' && AsciiLower(c) <= 'f') {
          d = AsciiLower(c) - 'a' + 10;
        }
        if (d < 0) {
          ok = false;
          break;
        }
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
        if (cp > 0x10FFFF) cp = 0x110000;  // stays invalid, no overflow
      }
      if (ok) AppendUtf8(decoded, cp);
    }
    if (decoded.empty()) {
      out += '&';
      continue;
    }
    out += decoded;
    i = semi;
  }
  return out;
}

Result<ProjectPage> ParseSimpleHtml(std::string_view html, const std::string& page_url,
                                    const std::string& project) {
  ProjectPage page;
  PageParseMemo memo;
  page.name = project;
  page.url = page_url;
  std::string base_url = page_url;
  bool base_seen = false;
  size_t pos = 0;
  while (pos < html.size()) {
    size_t lt = html.find('<', pos);
    if (lt == std::string_view::npos) break;
    if (html.substr(lt, 4) == "<!--") {
      size_t close = html.find("-->", lt + 4);
      pos = close == std::string_view::npos ? html.size() : close + 3;
      continue;
    }
    if (lt + 1 >= html.size() || !IsAsciiAlpha(html[lt + 1])) {
      pos = lt + 1;
      continue;
    }
    size_t end = 0;
    Tag tag = ReadTag(html, lt, end);
    pos = end;
    if (tag.name == "base") {
      const std::string* href = tag.Get("href");
      if (href && !base_seen) {
        base_seen = true;
        base_url = http::ResolveUrl(page_url, *href);
      }
    } else if (tag.name == "meta") {
      const std::string* name = tag.Get("name");
      const std::string* content = tag.Get("content");
      if (name && content && *name == "pypi:repository-version") {
        std::string version(TrimAscii(*content));
        Status status = CheckApiVersion(version, page_url);
        if (!status.ok()) return status.error();
        page.api_version = version;
      }
    } else if (tag.name == "a") {
      const std::string* href = tag.Get("href");
      if (!href) continue;
      std::string url = http::ResolveUrl(base_url, *href);
      http::UrlParts parts = http::UrlParts::Parse(url);
      std::string filename = http::UrlFileName(url);
      if (filename.empty()) continue;
      const std::string* requires_python = tag.Get("data-requires-python");
      auto file = MakeEntry(
          page, filename, http::WithoutFragment(url),
          requires_python ? std::optional<std::string>(*requires_python) : std::nullopt, &memo);
      if (!file) continue;
      if (parts.has_fragment) {
        auto hash = ParseHashPair(parts.fragment);
        if (hash && IsKnownHash(hash->first)) file->set_hashes({{hash->first, hash->second}});
      }
      if (const std::string* yanked = tag.Get("data-yanked")) file->set_yanked(*yanked);
      const std::string* metadata = tag.Get("data-core-metadata");
      if (!metadata) metadata = tag.Get("data-dist-info-metadata");
      if (metadata && *metadata != "false") {
        Hashes hashes;
        if (auto hash = ParseHashPair(*metadata)) hashes.emplace(hash->first, hash->second);
        file->set_core_metadata(true, std::move(hashes));
      }
      page.files.push_back(std::move(*file));
    }
  }
  return page;
}

}  // namespace sparkenv::index
