#include "store/layout.h"

#include <ctime>
#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "store/store.h"

namespace sparkenv::store {
namespace {

constexpr char kNameRule[] = "must be 1-128 of A-Z a-z 0-9 . _ - starting with a letter or digit";

// Strips `prefix` and `suffix` from `key`, or returns nullopt.
std::optional<std::string_view> Between(std::string_view key, std::string_view prefix,
                                        std::string_view suffix) {
  if (key.size() < prefix.size() + suffix.size() || !StartsWith(key, prefix) ||
      !EndsWith(key, suffix)) {
    return std::nullopt;
  }
  return key.substr(prefix.size(), key.size() - prefix.size() - suffix.size());
}

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (!IsAsciiDigit(c)) return false;
  }
  return !s.empty();
}

}  // namespace

bool IsSha256(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string BlobKey(std::string_view sha256) {
  return std::string(kBlobsPrefix) + std::string(sha256) + ".tar.gz";
}

std::string EnvKey(std::string_view env_id) {
  return std::string(kEnvsPrefix) + std::string(env_id) + ".json";
}

std::string TagKey(std::string_view name, std::string_view tag) {
  return std::string(kTagsPrefix) + std::string(name) + "/" + std::string(tag) + ".json";
}

std::string LaunchKey(std::string_view sha256) {
  return std::string(kLaunchPrefix) + std::string(sha256) + ".jar";
}

std::optional<std::string> LaunchFromKey(std::string_view key) {
  auto sha = Between(key, kLaunchPrefix, ".jar");
  if (!sha || !IsSha256(*sha)) return std::nullopt;
  return std::string(*sha);
}

std::optional<std::string> BlobFromKey(std::string_view key) {
  auto sha = Between(key, kBlobsPrefix, ".tar.gz");
  if (!sha || !IsSha256(*sha)) return std::nullopt;
  return std::string(*sha);
}

std::optional<std::string> EnvFromKey(std::string_view key) {
  auto id = Between(key, kEnvsPrefix, ".json");
  if (!id || !IsSha256(*id)) return std::nullopt;
  return std::string(*id);
}

std::optional<TagName> TagFromKey(std::string_view key) {
  auto middle = Between(key, kTagsPrefix, ".json");
  if (!middle) return std::nullopt;
  size_t slash = middle->find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  TagName t{std::string(middle->substr(0, slash)), std::string(middle->substr(slash + 1))};
  if (!ValidName(t.name) || !ValidName(t.tag)) return std::nullopt;
  return t;
}

Result<TagName> ParseTagArgument(std::string_view text) {
  size_t colon = text.find(':');
  TagName t;
  t.name = std::string(text.substr(0, colon));
  t.tag = colon == std::string_view::npos ? kDefaultTag : std::string(text.substr(colon + 1));
  if (!ValidName(t.name)) {
    return Error("invalid tag " + Quote(text) + ": the name " + Quote(t.name) + " " + kNameRule);
  }
  if (!ValidName(t.tag)) {
    return Error("invalid tag " + Quote(text) + ": the tag " + Quote(t.tag) + " " + kNameRule);
  }
  return t;
}

std::string TagToJson(const TagRecord& r) {
  nlohmann::json j;
  j["env_id"] = r.env_id;
  j["format"] = kTagFormat;
  j["name"] = r.name;
  j["tag"] = r.tag;
  j["updated"] = r.updated;
  return j.dump(2) + "\n";
}

Result<TagRecord> TagFromJson(std::string_view text, const std::string& where,
                              const TagName& expected) {
  auto bad = [&](const std::string& rule) {
    return Error(where + ": " + rule + " (not a tag written by sparkenv)",
                 ErrorKind::kInvalidInput);
  };
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  TagRecord r;
  std::string format;
  for (auto [key, out] : {std::pair{"format", &format},
                          {"env_id", &r.env_id},
                          {"name", &r.name},
                          {"tag", &r.tag},
                          {"updated", &r.updated}}) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return bad(std::string(key) + " must be a string");
    *out = it->get<std::string>();
  }
  if (format != kTagFormat) {
    return bad("format " + Quote(format) + " is not " + Quote(kTagFormat));
  }
  if (!IsSha256(r.env_id)) return bad("env_id must be 64 lowercase hex digits");
  if (r.name != expected.name || r.tag != expected.tag) {
    return bad("it names " + Quote(r.name + ":" + r.tag) + " but is stored as " +
               Quote(expected.ToString()));
  }
  if (!IsRfc3339Utc(r.updated)) return bad("updated must be an RFC 3339 UTC time");
  return r;
}

std::string MarkerJson() {
  nlohmann::json j;
  j["format"] = kStoreFormat;
  return j.dump(2) + "\n";
}

Status CheckMarker(std::string_view text, const std::string& url) {
  const std::string where = url + "/" + kMarkerKey;
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains("format") || !j["format"].is_string()) {
    return Error(where + ": not a sparkenv store marker (expected {\"format\": \"" +
                     std::string(kStoreFormat) + "\"})",
                 ErrorKind::kInvalidInput);
  }
  const std::string format = j["format"].get<std::string>();
  constexpr std::string_view kPrefix = "sparkenv-store/";
  if (!StartsWith(format, kPrefix)) {
    return Error(where + ": format " + Quote(format) + " is not a sparkenv store format",
                 ErrorKind::kInvalidInput);
  }
  std::string_view version = std::string_view(format).substr(kPrefix.size());
  std::string_view major = version.substr(0, version.find('.'));
  if (!AllDigits(major)) {
    return Error(where + ": format " + Quote(format) + " is not a sparkenv store format",
                 ErrorKind::kInvalidInput);
  }
  if (major != "1") {
    return Error("store " + Quote(url) + " has format " + Quote(format) +
                     ", which this sparkenv does not read (it reads " + kStoreFormat +
                     "): upgrade sparkenv",
                 ErrorKind::kInvalidInput);
  }
  return Status();
}

std::string Rfc3339Utc(int64_t unix_ms) {
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool IsRfc3339Utc(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SS[.fff...]Z
  if (t.size() < 20 || t.size() > 40 || t.back() != 'Z') return false;
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd";
  for (size_t i = 0; i < kShape.size(); ++i) {
    if (kShape[i] == 'd' ? !IsAsciiDigit(t[i]) : t[i] != kShape[i]) return false;
  }
  std::string_view rest = t.substr(kShape.size(), t.size() - kShape.size() - 1);
  if (rest.empty()) return true;
  return rest[0] == '.' && AllDigits(rest.substr(1));
}

std::string Printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out += c;
    } else {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    }
  }
  return out;
}

}  // namespace sparkenv::store
