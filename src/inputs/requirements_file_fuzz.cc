// libFuzzer target: a requirements file of arbitrary bytes, read through the
// in-memory file system (which also holds a nested file and a wheel, so that
// -r, -c and local paths are reached). Every failure must carry a message
// that starts with a file name; every requirement read must print a form
// that parses again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/strings.h"
#include "inputs/requirements_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sparkenv::inputs;  // NOLINT(google-build-using-namespace)
  std::string_view text(reinterpret_cast<const char*>(data), size);
  FakeFileSystem fs("/work");
  fs.AddFile("requirements.txt", std::string(text));
  fs.AddFile("nested.txt", "six\n-r requirements.txt\n");
  fs.AddFile("other.txt", "attrs>=20 --hash=sha256:" + std::string(64, 'a') + "\n");
  fs.AddFile("dist/pkg-1.0-py3-none-any.whl", "");
  FakeEnvironment env({{"VAR", "value"}, {"URL", "https://example.com/simple"}});
  sparkenv::Result<RequirementsInput> r = ReadRequirementsFile("requirements.txt", fs, env);
  if (!r.ok()) {
    const std::string& m = r.error().message();
    if (m.empty()) std::abort();
    if (!sparkenv::StartsWith(m, "requirements.txt") && !sparkenv::StartsWith(m, "nested.txt") &&
        !sparkenv::StartsWith(m, "other.txt") && !sparkenv::StartsWith(m, "could not open")) {
      std::abort();
    }
    return 0;
  }
  for (const auto* list : {&r->requirements, &r->constraints}) {
    for (const RequirementLine& line : *list) {
      if (line.origin.line <= 0) std::abort();
      auto again = sparkenv::spec::Requirement::Parse(line.requirement.ToString());
      if (!again.ok() || !(*again == line.requirement)) std::abort();
    }
  }
  return 0;
}
