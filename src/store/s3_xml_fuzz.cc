// libFuzzer target: the S3 XML readers (expat underneath) must never crash
// on arbitrary bytes, and what they return keeps its invariants: a list
// page's entries have keys, a truncated page has a token, an error body has
// a code, and the date parsers agree with their own range.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "store/s3_xml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto page = sparkenv::store::ParseListObjectsV2(text);
  if (page.ok()) {
    for (const auto& e : page->entries) {
      if (e.key.empty()) std::abort();
    }
    if (page->truncated && page->next_token.empty()) std::abort();
  } else if (page.error().message().empty()) {
    std::abort();
  }
  if (auto e = sparkenv::store::ParseS3Error(text)) {
    if (e->code.empty()) std::abort();
  }
  auto id = sparkenv::store::ParseInitiateMultipartUpload(text);
  if (id.ok() && id->empty()) std::abort();
  (void)sparkenv::store::CheckCompleteMultipartUpload(text);
  if (auto ms = sparkenv::store::ParseHttpDateMs(text)) {
    if (*ms < -62167219200000 || *ms > 253402300800000) std::abort();  // years 0..9999
  }
  if (auto ms = sparkenv::store::ParseIso8601Ms(text)) {
    if (*ms < -62167219200000 || *ms > 253402300800000) std::abort();
  }
  return 0;
}
