// libFuzzer target: ParseSimpleJson must never crash on arbitrary bytes
// (including deep nesting and wrong JSON types), and every file it returns
// keeps the model's invariants.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "index/simple_json.h"
#include "spec/name.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const char* project : {"", "example"}) {
    auto page =
        sparkenv::index::ParseSimpleJson(text, "https://h.example/simple/example/", project);
    if (!page.ok()) {
      if (page.error().message().empty()) std::abort();
      continue;
    }
    if (page->api_version.empty() || page->api_version[0] != '1') std::abort();
    for (const auto& f : page->files) {
      if (f.is_wheel() == f.sdist().has_value()) std::abort();
      if (f.filename().empty() || f.url().find('#') != std::string::npos) std::abort();
      if (*project && sparkenv::spec::NormalizeName(f.name()) != project) std::abort();
      if (!f.has_core_metadata() && !f.core_metadata_hashes().empty()) std::abort();
    }
  }
  return 0;
}
