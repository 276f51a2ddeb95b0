// The environment format, version 1 (docs/environment-format.md): what
// `sparkenv build` produces and what stores publish.
//
//   DIR/manifest.json            this manifest
//   DIR/layers/<sha256>.tar.gz   one layer per wheel: that wheel's installed
//                                tree (install/wheel_install.h layout:
//                                site-packages/, bin/, include/, data/) as a
//                                deterministic tar.gz named by its sha256
//
// The manifest names the format, the target, the lock it was built from
// (sha256 of the lock file's bytes), the environment id, every layer with
// its sha256, size and package (and the sdist it was built from, if any),
// and the application (the user's own project, built into a wheel and
// added as one more layer) or null. The environment id is the sha256 of
// the format version, the lock's sha256, the target (markers and the hash
// of its tag list) and the application's wheel sha256, so building the same
// lock (and the same application) for the same target gives the same id on
// any machine, whatever the layers' compressed bytes.
//
// ToJson() is deterministic (sorted keys, two-space indent, no timestamps);
// FromJson() validates everything a store or an activator relies on --
// including that every layer's sha256 is 64 hex digits and every package
// name is normalized -- so a hostile manifest cannot name paths.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sparkenv::env {

inline constexpr char kFormat[] = "sparkenv-env/1";

struct Layer {
  std::string sha256;   // of the .tar.gz bytes
  uint64_t size = 0;    // of the .tar.gz
  std::string package;  // normalized name
  std::string version;
  std::string wheel;             // the wheel's file name
  std::string wheel_sha256;      // from the lock
  uint64_t files = 0;            // files in the installed tree
  uint64_t installed_bytes = 0;  // their total size
  // Built by sparkenv from the lock's sdist (else both empty): its file
  // name and sha256 (from the lock). `wheel`/`wheel_sha256` are then the
  // built wheel's.
  std::string sdist;
  std::string sdist_sha256;

  bool operator==(const Layer&) const = default;
};

// The user's own project (`sparkenv build --app PATH`), built into a wheel;
// its layer is one of Manifest::layers (the one with this package name).
struct Application {
  std::string name;  // normalized
  std::string version;
  std::string wheel;         // the built wheel's file name
  std::string wheel_sha256;  // of the built wheel
  std::string layer;         // sha256 of its layer

  bool operator==(const Application&) const = default;
};

struct Manifest {
  std::string format = kFormat;
  std::string env_id;
  std::string lock_sha256;
  std::string created_by;  // "sparkenv 0.1.0"
  // The target: its marker environment and the sha256 of its tag list (as
  // written by `sparkenv lock` in [tool.sparkenv]).
  std::map<std::string, std::string> target_markers;
  std::string target_tags_sha256;
  std::vector<Layer> layers;  // sorted by package name
  std::optional<Application> application;

  // Path of a layer's archive relative to the environment folder.
  static std::string LayerPath(const Layer& layer);
  // The Python "X.Y" of the target.
  std::string PythonVersion() const;
  uint64_t TotalSize() const;
  bool operator==(const Manifest&) const = default;
};

std::string ToJson(const Manifest& manifest);
// `source` names the file in errors.
Result<Manifest> FromJson(std::string_view text, std::string_view source = "manifest.json");

// sha256 over kFormat, the lock's sha256, the target and, when there is an
// application, its wheel's sha256.
std::string EnvironmentId(const std::string& lock_sha256,
                          const std::map<std::string, std::string>& target_markers,
                          const std::string& target_tags_sha256,
                          const std::string& application_wheel_sha256 = "");

}  // namespace sparkenv::env
