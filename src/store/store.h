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
// that the blobs exist.
Result<ResolvedEnv> ResolveEnv(const EnvRef& ref, const OpenOptions& options);

}  // namespace sparkenv::store
