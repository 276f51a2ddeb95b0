// libFuzzer target: ParsePyProject on arbitrary bytes (toml++ on untrusted
// input, through toml_guard.h). What reads must select every extra and
// group without error, and every requirement must re-parse equal.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "inputs/pyproject.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sparkenv::inputs;  // NOLINT(google-build-using-namespace)
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sparkenv::Result<PyProject> p = ParsePyProject(text);
  if (!p.ok()) {
    if (p.error().message().empty()) std::abort();
    return 0;
  }
  std::vector<std::string> extras;
  for (const auto& [name, reqs] : p->optional_dependencies) extras.push_back(name);
  std::vector<std::string> groups;
  for (const auto& [name, reqs] : p->dependency_groups) groups.push_back(name);
  sparkenv::Result<std::vector<RequirementLine>> all = SelectRequirements(*p, extras, groups);
  if (!all.ok()) std::abort();
  for (const RequirementLine& line : *all) {
    auto again = sparkenv::spec::Requirement::Parse(line.requirement.ToString());
    if (!again.ok() || !(*again == line.requirement)) std::abort();
  }
  return 0;
}
