// Fuzzes SpecifierSet::Parse and the matching. The input is split at the
// first '\n' into a specifier-set text and a version text. For a set that
// parses: ToString() round-trips to an equal set that prints the same and
// matches the version exactly like the original under every pre-release
// mode; Contains() agrees with Filter(); kExclude never admits a pre-release
// and kInclude admits whatever kDefault admits; a set that contains the version
// is not IsUnsatisfiable(); a set is a subset of itself and a superset of its
// intersection with "==version", which is disjoint from it exactly when the set
// does not contain the version.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "spec/specifier.h"
#include "spec/version.h"

using sparkenv::spec::PreReleases;
using sparkenv::spec::Specifier;
using sparkenv::spec::SpecifierSet;
using sparkenv::spec::Version;

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nl = input.find('\n');
  std::string_view spec_text = input.substr(0, nl);
  std::string version_text(nl == std::string_view::npos ? "" : input.substr(nl + 1));

  auto single = Specifier::Parse(spec_text);
  if (single.ok()) {
    auto again = Specifier::Parse(single->ToString());
    Check(again.ok() && *again == *single && again->ToString() == single->ToString());
  }

  auto set = SpecifierSet::Parse(spec_text);
  if (!set.ok()) {
    Check(!set.error().message().empty());
    return 0;
  }
  std::string printed = set->ToString();
  auto again = SpecifierSet::Parse(printed);
  Check(again.ok());
  Check(*again == *set);
  Check(again->ToString() == printed);
  Check(again->mentions_prerelease() == set->mentions_prerelease());

  auto version = Version::Parse(version_text);
  for (PreReleases pre : {PreReleases::kDefault, PreReleases::kInclude, PreReleases::kExclude}) {
    bool contains = set->Contains(version_text, pre);
    Check(again->Contains(version_text, pre) == contains);
    Check(!set->Filter(std::vector<std::string>{version_text}, pre).empty() == contains);
    if (version.ok()) {
      bool by_version = set->Contains(*version, pre);
      Check(again->Contains(*version, pre) == by_version);
      if (pre == PreReleases::kExclude && version->is_prerelease()) Check(!by_version);
    }
  }
  if (version.ok() && set->Contains(*version))
    Check(set->Contains(*version, PreReleases::kInclude));
  // A set that contains something is satisfiable (and stays so after printing).
  bool unsat = set->IsUnsatisfiable();
  Check(again->IsUnsatisfiable() == unsat);
  if (version.ok() && set->Contains(*version, PreReleases::kInclude)) Check(!unsat);
  if (version.ok() && set->Contains(*version, PreReleases::kExclude)) {
    Check(!set->IsUnsatisfiable(PreReleases::kExclude));
  }
  if (set->Contains(version_text, PreReleases::kInclude)) Check(!unsat);

  // Relations with itself and with a narrower set.
  auto self_subset = set->IsSubsetOf(*again);
  if (self_subset.ok()) {
    Check(*self_subset);
    Check(*set->IsDisjointFrom(*set) == unsat);
    if (version.ok()) {
      auto point = SpecifierSet::Parse("==" + version->ToString());
      if (point.ok()) {
        SpecifierSet narrower = set->Intersect(*point);
        Check(*narrower.IsSubsetOf(*set));
        Check(*set->IsSupersetOf(narrower));
        bool inside = set->Contains(*version, PreReleases::kInclude);
        // Only one direction holds: "==V" also matches V+local, which the
        // set may contain while V itself is outside (">1.0a1,==1.0+local").
        if (inside) Check(!*point->IsDisjointFrom(*set));
      }
    }
  } else {
    Check(!set->IsDisjointFrom(*set).ok());
  }
  return 0;
}
