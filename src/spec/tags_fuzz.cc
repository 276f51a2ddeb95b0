// libFuzzer target: tag sets, platform tags and target files. Nothing may
// crash; what parses must print back to something that parses the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "spec/platform.h"
#include "spec/tags.h"
#include "spec/target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  using sparkenv::spec::Tag;
  if (auto tags = Tag::ParseSet(text, size % 2 == 0); tags.ok()) {
    if (tags->empty() || tags->size() > Tag::kMaxSetSize) std::abort();
    for (const Tag& tag : *tags) {
      auto again = Tag::Parse(tag.ToString());
      if (!again.ok() || !(*again == tag)) std::abort();
    }
  }
  if (auto platform = sparkenv::spec::Platform::Parse(text); platform.ok()) {
    auto again = sparkenv::spec::Platform::Parse(platform->ToString());
    if (!again.ok() || !(*again == *platform)) std::abort();
    if (platform->Compatible().empty()) std::abort();
  }
  if (auto target = sparkenv::spec::Target::FromJson(text, "fuzz"); target.ok()) {
    auto again = sparkenv::spec::Target::FromJson(target->ToJson(-1), "fuzz");
    if (!again.ok() || again->tags() != target->tags() || again->markers() != target->markers()) {
      std::abort();
    }
  }
  return 0;
}
