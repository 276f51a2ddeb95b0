// The resolver: PubGrub version solving for one target environment.
//
// Resolve() finds one version of every project the requirements need on the
// target (markers evaluated with the target's marker environment), or explains
// why none exists. The algorithm is PubGrub (Natalie Weizenbaum's design for
// Dart's pub, see docs/resolver.md): unit propagation over incompatibilities,
// decisions newest-first, conflict-driven backtracking that learns a new
// incompatibility from every conflict, and an explanation derived from the
// graph of learned incompatibilities when the input is unsatisfiable.
//
// Rules (details and reasons in docs/resolver.md):
// - Extras are virtual packages "name[extra]" whose version is tied to "name".
// - A version is a candidate only if one of its files is usable: a wheel whose
//   tags the target accepts, or else an sdist (the result says which), and the
//   file's Requires-Python contains the target's python_full_version. The
//   metadata's Requires-Python is checked too.
// - Pre-releases: chosen only when a requirement on the project mentions one,
//   when no final release in the allowed range remains (pip's rule), or with
//   Prereleases::kAllow.
// - Yanked versions (PEP 592) are chosen only when a direct requirement or a
//   constraint pins them with == or ===.
// - Constraints limit versions of projects that are otherwise required; they
//   never add a project.
// Not thread-safe per call (the provider is used from the calling thread).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "resolve/provider.h"
#include "spec/requirement.h"
#include "spec/target.h"
#include "spec/version.h"

namespace sparkenv::resolve {

enum class Strategy {
  kHighest,       // newest version of everything (default)
  kLowest,        // oldest version of everything
  kLowestDirect,  // oldest version of direct requirements, newest of the rest
};

enum class Prereleases {
  kIfNecessaryOrExplicit,  // pip's rule (default)
  kAllow,                  // pre-releases are ordinary versions
};

struct ResolveOptions {
  Strategy strategy = Strategy::kHighest;
  Prereleases prereleases = Prereleases::kIfNecessaryOrExplicit;
  // Projects (normalized names) for which only sdists (no_binary) or only
  // wheels (no_build) may be used.
  std::vector<std::string> no_binary;
  std::vector<std::string> no_build;
  bool no_build_all = false;
};

struct ResolveRequest {
  std::vector<spec::Requirement> requirements;  // the project's (root's) requirements
  std::vector<spec::Requirement> constraints;   // -c: limit versions, add nothing
  std::vector<std::string> extras;  // extras of the root, for markers of its requirements
  // The root's Requires-Python; the target's python_full_version must match it.
  std::optional<spec::SpecifierSet> requires_python;
  spec::Target target{{}, {}};
  ResolveOptions options;
};

struct Dependency {
  std::string name;                 // normalized
  std::vector<std::string> extras;  // normalized, sorted
  std::string requirement;          // the requirement as written (normalized text)
};

struct ResolvedPackage {
  std::string name;  // normalized
  spec::Version version;
  DistributionFile file;  // best-ranked compatible wheel, or the sdist
  bool from_sdist = false;
  std::vector<std::string> extras;       // extras activated on this package, sorted
  std::vector<Dependency> dependencies;  // edges, sorted by name (extras' included)
};

struct Resolution {
  std::vector<ResolvedPackage> packages;  // sorted by name
  std::vector<Dependency> roots;          // the root's edges (markers applied)

  const ResolvedPackage* Find(const std::string& name) const;
};

// Errors: ErrorKind::kUnsatisfiable with the explanation as message (several
// lines, "Because ..."), ErrorKind::kNotFound when the failure rests on a
// project the index does not know, or the provider's error unchanged.
Result<Resolution> Resolve(Provider& provider, const ResolveRequest& request);

}  // namespace sparkenv::resolve
