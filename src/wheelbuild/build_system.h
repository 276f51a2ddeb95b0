// What a source tree says about how to build it: the [build-system] table of
// its pyproject.toml (PEP 518, PEP 517), with pip's fallbacks:
//   - no pyproject.toml, or one without [build-system]: requires
//     ["setuptools>=40.8.0"], backend setuptools.build_meta:__legacy__;
//   - [build-system] without build-backend: its requires, backend
//     setuptools.build_meta:__legacy__;
//   - [build-system] without requires: an error (PEP 518 makes it
//     mandatory, as pip does).
// backend-path entries must be relative and stay inside the tree (PEP 517).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "spec/requirement.h"

namespace sparkenv::wheelbuild {

inline constexpr char kLegacyBackend[] = "setuptools.build_meta:__legacy__";
inline constexpr char kLegacyRequirement[] = "setuptools>=40.8.0";

struct BuildSystem {
  std::vector<spec::Requirement> requirements;  // build-system.requires
  std::string backend;                          // "module" or "module:object.attr"
  std::vector<std::string> backend_path;        // relative to the tree, normalized
  bool legacy = false;                          // the fallback backend was chosen
  // [project] name and version when static (for messages), else empty.
  std::string project_name;
  std::string project_version;
};

// `pyproject` is the file's text, or nullopt when the tree has none.
// `source` names the file in errors ("tomli-2.2.1.tar.gz: pyproject.toml").
Result<BuildSystem> ReadBuildSystem(const std::optional<std::string>& pyproject,
                                    std::string_view source);

}  // namespace sparkenv::wheelbuild
