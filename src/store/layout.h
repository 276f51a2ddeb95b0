// The store layout, version 1 (docs/store-format.md), as keys and the small
// JSON objects a store holds besides blobs and manifests:
//
//   sparkenv-store.json      {"format": "sparkenv-store/1"}
//   blobs/<sha256>.tar.gz    layer archives
//   envs/<env id>.json       manifests (env/manifest.h)
//   tags/<name>/<tag>.json   TagRecord
//   tmp/                     in-flight uploads of some backends
//   launch/<sha256>.jar      standalone cluster mode: a driver's launcher
//                            (spark/boot.h), removed by gc after the grace period
//
// Everything here is a pure function over strings. The parsers are the
// gate for data read out of a store: a key listed by a backend, a tag file,
// a marker -- whatever they accept can only name keys inside the layout.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sparkenv::store {

inline constexpr char kStoreFormat[] = "sparkenv-store/1";
inline constexpr char kTagFormat[] = "sparkenv-tag/1";
inline constexpr char kMarkerKey[] = "sparkenv-store.json";
inline constexpr char kBlobsPrefix[] = "blobs/";
inline constexpr char kEnvsPrefix[] = "envs/";
inline constexpr char kTagsPrefix[] = "tags/";
inline constexpr char kTmpPrefix[] = "tmp/";
inline constexpr char kLaunchPrefix[] = "launch/";
inline constexpr char kDefaultTag[] = "latest";

// 64 lowercase hex digits: a sha256 or an environment id.
bool IsSha256(std::string_view text);

std::string BlobKey(std::string_view sha256);
std::string EnvKey(std::string_view env_id);
std::string TagKey(std::string_view name, std::string_view tag);
std::string LaunchKey(std::string_view sha256);  // launch/<sha256>.jar

// The sha256 of "blobs/<sha256>.tar.gz", else nullopt.
std::optional<std::string> BlobFromKey(std::string_view key);
// The id of "envs/<env id>.json", else nullopt.
std::optional<std::string> EnvFromKey(std::string_view key);
// The sha256 of "launch/<sha256>.jar", else nullopt.
std::optional<std::string> LaunchFromKey(std::string_view key);

struct TagName {
  std::string name;
  std::string tag;
  std::string ToString() const { return name + ":" + tag; }
  auto operator<=>(const TagName&) const = default;
};

// The name and tag of "tags/<name>/<tag>.json" (both ValidName), else
// nullopt.
std::optional<TagName> TagFromKey(std::string_view key);

// A --tag argument: NAME or NAME:TAG (TAG defaults to "latest"). Errors:
//   invalid tag 'a b': the name 'a b' must be 1-128 of A-Z a-z 0-9 . _ - ...
Result<TagName> ParseTagArgument(std::string_view text);

// tags/<name>/<tag>.json.
struct TagRecord {
  std::string name;
  std::string tag;
  std::string env_id;   // 64 hex
  std::string updated;  // RFC 3339 UTC, "2025-06-01T10:22:03Z"
};

// Deterministic JSON (sorted keys, two-space indent, final newline).
std::string TagToJson(const TagRecord& record);
// Parses and validates a tag file read from `where` (a URL, for messages):
// the format, a 64-hex env_id, a name and tag equal to `expected` (the
// ones its key names) and an RFC 3339 UTC `updated`. Every error is
// kInvalidInput and starts with `where`.
Result<TagRecord> TagFromJson(std::string_view text, const std::string& where,
                              const TagName& expected);

// The store marker's bytes.
std::string MarkerJson();
// Checks a marker read from the store at `url`: JSON with a "format" of
// sparkenv-store/<major>[.<minor>] where the major is one this sparkenv
// reads (1).
Status CheckMarker(std::string_view text, const std::string& url);

// "2025-06-01T10:22:03Z" for Unix milliseconds.
std::string Rfc3339Utc(int64_t unix_ms);
// Whether `text` is YYYY-MM-DDTHH:MM:SS[.fraction]Z.
bool IsRfc3339Utc(std::string_view text);

// Text read from a store made safe to print: bytes outside printable ASCII
// (escape sequences, newlines) become \xNN.
std::string Printable(std::string_view text);

}  // namespace sparkenv::store
