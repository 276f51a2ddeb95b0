// The parts of pyproject.toml that say what a project needs (PEP 621 /
// packaging.python.org: pyproject-toml, PEP 735 dependency groups):
//   [project] name, requires-python, dependencies, optional-dependencies
//   [dependency-groups] (with {include-group = "..."} entries)
// Other tables and keys are ignored. Keys that sparkenv needs but the project
// declares `dynamic` (dependencies, optional-dependencies) are an error: they
// are only known after a build, which sparkenv does not do.
//
// Errors name the file and line and the key:
//   pyproject.toml:7: project.dependencies[1]: invalid requirement 'foo>>1': ...
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "inputs/requirements_file.h"
#include "spec/requirement.h"
#include "spec/specifier.h"

namespace sparkenv::inputs {

struct PyProject {
  std::string name;  // as written; empty when absent
  std::optional<spec::SpecifierSet> requires_python;
  std::vector<RequirementLine> dependencies;
  // Keyed by the PEP 685 normalized extra name.
  std::map<std::string, std::vector<RequirementLine>> optional_dependencies;
  // Keyed by the normalized group name; include-group entries are expanded
  // (cycles are an error), so each group lists its requirements in full.
  std::map<std::string, std::vector<RequirementLine>> dependency_groups;
};

// Parses pyproject.toml text; `source` names the file in errors.
Result<PyProject> ParsePyProject(std::string_view text, std::string_view source = "pyproject.toml");

// Reads and parses the file at `path`.
Result<PyProject> ReadPyProject(const std::string& path, const FileSystem& fs);

// The requirements to lock: dependencies, then the optional dependencies of
// each extra in `extras`, then each group in `groups` (names in any
// spelling). An extra or group the project does not define is an error that
// lists the ones it does.
Result<std::vector<RequirementLine>> SelectRequirements(const PyProject& project,
                                                        const std::vector<std::string>& extras,
                                                        const std::vector<std::string>& groups = {},
                                                        std::string_view source = "pyproject.toml");

}  // namespace sparkenv::inputs
