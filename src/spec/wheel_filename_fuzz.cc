// libFuzzer target: WheelFilename::Parse and SdistFilename::Parse must never
// crash, and a wheel that parses must round-trip and keep its invariants.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "spec/wheel_filename.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (bool validate : {false, true}) {
    auto wheel = sparkenv::spec::WheelFilename::Parse(text, validate);
    if (!wheel.ok()) {
      if (wheel.error().message().empty()) std::abort();
      continue;
    }
    if (wheel->tags().empty() || wheel->name().empty()) std::abort();
    auto again = sparkenv::spec::WheelFilename::Parse(wheel->ToString(), validate);
    if (!again.ok() || !(again->tags() == wheel->tags()) || again->name() != wheel->name()) {
      std::abort();
    }
    for (const auto& tag : wheel->tags()) {
      auto parsed = sparkenv::spec::Tag::Parse(tag.ToString());
      if (!parsed.ok() || !(*parsed == tag)) std::abort();
    }
  }
  auto sdist = sparkenv::spec::SdistFilename::Parse(text);
  if (!sdist.ok() && sdist.error().message().empty()) std::abort();
  return 0;
}
