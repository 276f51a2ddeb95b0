// libFuzzer target: Metadata::Parse on arbitrary bytes. On success every
// Requires-Dist entry must round-trip through its printed form, and the
// parsed fields must survive re-parsing the headers rebuilt from them
// (when no value holds a line break).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "spec/metadata.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using sparkenv::spec::Metadata;
  using sparkenv::spec::Requirement;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sparkenv::Result<Metadata> m = Metadata::Parse(text);
  if (!m.ok()) {
    if (m.error().message().empty()) {
      std::abort();
    }
    return 0;
  }
  std::string rebuilt = "Metadata-Version: " + m->metadata_version() + "\nName: " + m->name() +
                        "\nVersion: " + m->version().ToString() + "\n";
  for (const Requirement& req : m->requires_dist()) {
    sparkenv::Result<Requirement> again = Requirement::Parse(req.ToString());
    if (!again.ok() || again->ToString() != req.ToString()) {
      std::abort();
    }
    rebuilt += "Requires-Dist: " + req.ToString() + "\n";
  }
  if (m->requires_python()) {
    rebuilt += "Requires-Python: " + m->requires_python()->ToString() + "\n";
  }
  for (const std::string& extra : m->provides_extra()) {
    rebuilt += "Provides-Extra: " + extra + "\n";
  }
  // A value holding a line break cannot be written back as one header line.
  for (const Requirement& req : m->requires_dist()) {
    if (req.ToString().find_first_of("\r\n") != std::string::npos) {
      return 0;
    }
  }
  sparkenv::Result<Metadata> again = Metadata::Parse(rebuilt);
  if (!again.ok()) {
    std::abort();
  }
  if (again->name() != m->name() || !(again->version() == m->version()) ||
      again->requires_dist().size() != m->requires_dist().size() ||
      again->provides_extra() != m->provides_extra()) {
    std::abort();
  }
  return 0;
}
