// libFuzzer target: Requirement::Parse on arbitrary bytes. On success the
// printed form must parse again, print identically and compare equal.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "spec/requirement.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using sparkenv::spec::Requirement;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sparkenv::Result<Requirement> r = Requirement::Parse(text);
  if (!r.ok()) {
    if (r.error().message().empty()) {
      std::abort();
    }
    return 0;
  }
  const std::string printed = r->ToString();
  sparkenv::Result<Requirement> again = Requirement::Parse(printed);
  if (!again.ok()) {
    std::abort();
  }
  if (again->ToString() != printed || !(*again == *r)) {
    std::abort();
  }
  if (again->normalized_name() != r->normalized_name()) {
    std::abort();
  }
  return 0;
}
