// libFuzzer target: ParseSimpleHtml must never crash on arbitrary bytes, and
// every file it returns keeps the model's invariants.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/url.h"
#include "index/simple_html.h"
#include "spec/name.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const char* project : {"", "example"}) {
    auto page =
        sparkenv::index::ParseSimpleHtml(text, "https://h.example/simple/example/", project);
    if (!page.ok()) {
      if (page.error().message().empty()) std::abort();
      continue;
    }
    for (const auto& f : page->files) {
      if (f.is_wheel() == f.sdist().has_value()) std::abort();
      if (f.filename().empty() || f.url().find('#') != std::string::npos) std::abort();
      if (*project && sparkenv::spec::NormalizeName(f.name()) != project) std::abort();
      for (const auto& [algo, hex] : f.hashes()) {
        if (algo.empty() || hex.empty()) std::abort();
      }
      if (f.requires_python()) {
        auto again = sparkenv::spec::SpecifierSet::Parse(f.requires_python()->ToString());
        if (!again.ok()) std::abort();
      }
    }
  }
  std::string unescaped = sparkenv::index::HtmlUnescape(text);
  if (unescaped.size() > text.size() * 4 + 4) std::abort();
  return 0;
}
