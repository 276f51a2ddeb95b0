// Environment references and resolving them (docs/store-format.md):
//
//   STORE/NAME[:TAG]   the environment a tag names (TAG defaults to "latest")
//   STORE@ENVID        one environment by id (a unique prefix of >= 8 hex)
//   DIR                a local folder written by `sparkenv build`
//
// ResolveEnv is what `show`, `pull`, `submit`, `spark-conf` and the tests
// use to turn a reference into a validated manifest plus the URLs Spark and
// Hadoop read each layer from. The push/ls/rm/gc side of the store lives
// beside it (issue 6).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "env/manifest.h"
#include "store/backend.h"
#include "store/layout.h"

namespace sparkenv::store {

// 1-128 of [A-Za-z0-9._-], starting with a letter or digit.
bool ValidName(std::string_view name);

struct EnvRef {
  enum class Kind { kTag, kId, kLocalDir };
  Kind kind = Kind::kTag;
  std::string store_url;  // kTag, kId: the store's URL, as written
  std::string name;       // kTag
  std::string tag;        // kTag ("latest" when not given)
  std::string env_id;     // kId: the id or its prefix (lowercase hex)
  std::string local_dir;  // kLocalDir

  std::string ToString() const;
};

// Parses a reference. A string without "://" that names an existing folder
// holding manifest.json is a local environment; otherwise the last path
// segment is NAME[:TAG] or the text after the last '@' an id.
Result<EnvRef> ParseEnvRef(std::string_view text);

struct ResolvedEnv {
  EnvRef ref;
  env::Manifest manifest;
  std::string manifest_json;  // the bytes as stored
  // Where Spark and Hadoop read each layer (Backend::HadoopUrl, or file://
  // for a local environment), in the order of manifest.layers.
  std::vector<std::string> layer_urls;
};

// Resolves `ref`: reads the tag (kTag), finds the manifest, validates it
// (env::FromJson; its env_id must be the one asked for). Does not check
// that the blobs exist. For a store, errors are kNotFound for a missing
// store, tag or environment (the message lists the tags the name has, or
// names the store), kInvalidInput for an ambiguous id prefix or anything
// invalid read from the store.
Result<ResolvedEnv> ResolveEnv(const EnvRef& ref, const OpenOptions& options);

// ResolveEnv for a kTag or kId reference on an opened backend (the
// reference's store_url is only used in messages).
Result<ResolvedEnv> ResolveEnvIn(Backend& backend, const EnvRef& ref);

// Fails unless the backend's root holds a store this sparkenv reads:
//   no sparkenv store at 'URL' (it has no sparkenv-store.json)   (kNotFound)
// or the marker's errors (layout.h CheckMarker).
Status RequireStore(Backend& backend);

// Reads envs/<env_id>.json and validates it: env::FromJson, its env_id is
// `env_id`, and every text field is printable ASCII (a store's text reaches
// terminals). `bytes`, when given, receives the bytes as stored.
// A missing manifest is kNotFound.
Result<env::Manifest> ReadManifest(Backend& backend, std::string_view env_id,
                                   std::string* bytes = nullptr);

// An environment's manifest in a store, as listed.
struct EnvEntry {
  std::string env_id;
  uint64_t manifest_size = 0;
  int64_t mtime_ms = 0;  // when it was pushed (last written)
};
// The environments in the store, sorted by id: keys envs/<64 hex>.json;
// other keys under envs/ are ignored (and counted in `ignored`).
Result<std::vector<EnvEntry>> ListEnvs(Backend& backend, size_t* ignored = nullptr);

// A tag in a store, as listed.
struct TagEntry {
  TagName tag;
  int64_t mtime_ms = 0;
};
// The tags in the store (of `name` only, when given), sorted: keys
// tags/<name>/<tag>.json with valid names; other keys under tags/ are
// ignored (and counted in `ignored`).
Result<std::vector<TagEntry>> ListTags(Backend& backend, std::string_view name = {},
                                       size_t* ignored = nullptr);

// The full id of the one environment whose id starts with `prefix` (a full
// id is checked to exist). kNotFound when none does; kInvalidInput when
// several do:
//   environment id 3f2a is ambiguous in store 'URL': it starts 3f2a..., 3f2a...; give more digits
Result<std::string> FindEnvId(Backend& backend, std::string_view prefix);

// Reads and validates tags/<name>/<tag>.json (TagFromJson); nullopt when
// the tag does not exist.
Result<std::optional<TagRecord>> ReadTag(Backend& backend, const TagName& tag);

}  // namespace sparkenv::store
