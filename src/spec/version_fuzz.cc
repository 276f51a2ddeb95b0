// Fuzzes Version::Parse. The input is split at the first '\n' into two
// version texts. For every text that parses: ToString() round-trips (parses
// back to an equal version that prints the same), CanonicalizeVersion() of it
// parses to an equal version, Hash() agrees with ==, and the order between
// the two versions is antisymmetric and agrees with ==/!=.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "spec/version.h"

using sparkenv::spec::CanonicalizeVersion;
using sparkenv::spec::Version;

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

void CheckOne(const Version& v) {
  std::string text = v.ToString();
  auto again = Version::Parse(text);
  Check(again.ok());
  Check(*again == v);
  Check(again->ToString() == text);
  Check(again->Hash() == v.Hash());
  auto canonical = Version::Parse(CanonicalizeVersion(v));
  Check(canonical.ok() && *canonical == v);
  Check(v.Public() <= v);
  Check(v.Base().ToString().find_first_of("abcdefghijklmnopqrstuvwxyz+") == std::string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nl = input.find('\n');
  std::string_view first = input.substr(0, nl);
  std::string_view second =
      nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
  auto a = Version::Parse(first);
  auto b = Version::Parse(second);
  if (a.ok()) CheckOne(*a);
  if (b.ok()) CheckOne(*b);
  if (!a.ok() && a.error().message().empty()) std::abort();
  if (a.ok() && b.ok()) {
    auto ab = *a <=> *b;
    auto ba = *b <=> *a;
    Check((ab < 0) == (ba > 0));
    Check((ab == 0) == (ba == 0));
    Check((*a == *b) == (ab == 0));
    if (*a == *b) Check(a->Hash() == b->Hash());
  }
  return 0;
}
