// Random small indexes checked against brute force: every resolution the
// resolver returns satisfies every requirement, and it reports
// "unsatisfiable" exactly when no assignment of versions exists (PubGrub is
// complete). Deterministic: a fixed seed.
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "resolve/memory_provider.h"
#include "resolve/resolver.h"

namespace sparkenv::resolve {
namespace {

constexpr int kCases = 3000;
const char* const kSpecifiers[] = {"", ">=2", "<2", "==1", "!=2", ">=3", "<=2", "~=2.0"};

struct Req {
  int pkg;
  std::string spec;
};

struct Universe {
  int packages = 0;
  std::vector<int> versions;                             // per package: 1..versions
  std::map<std::pair<int, int>, std::vector<Req>> deps;  // (pkg, version) -> requirements
  std::vector<Req> root;
};

std::string Name(int pkg) { return "p" + std::to_string(pkg); }
std::string Ver(int v) { return std::to_string(v) + ".0"; }

bool Matches(const std::string& spec, int version) {
  auto set = spec::SpecifierSet::Parse(spec);
  return set.ok() && set->Contains(*spec::Version::Parse(Ver(version)));
}

Universe Generate(std::mt19937& rng) {
  Universe u;
  u.packages = 1 + static_cast<int>(rng() % 4);
  for (int p = 0; p < u.packages; ++p) u.versions.push_back(1 + static_cast<int>(rng() % 3));
  const size_t kinds = sizeof(kSpecifiers) / sizeof(kSpecifiers[0]);
  for (int p = 0; p < u.packages; ++p) {
    for (int v = 1; v <= u.versions[p]; ++v) {
      int n = static_cast<int>(rng() % 3);
      for (int k = 0; k < n && u.packages > 1; ++k) {
        int q = static_cast<int>(rng() % u.packages);
        if (q == p) continue;
        u.deps[{p, v}].push_back(Req{q, kSpecifiers[rng() % kinds]});
      }
    }
  }
  int n = 1 + static_cast<int>(rng() % 2);
  for (int k = 0; k < n; ++k) {
    u.root.push_back(Req{static_cast<int>(rng() % u.packages), kSpecifiers[rng() % kinds]});
  }
  return u;
}

// An assignment: 0 = not selected, else the version.
bool Valid(const Universe& u, const std::vector<int>& chosen) {
  auto ok = [&](const Req& r) { return chosen[r.pkg] != 0 && Matches(r.spec, chosen[r.pkg]); };
  for (const Req& r : u.root) {
    if (!ok(r)) return false;
  }
  for (int p = 0; p < u.packages; ++p) {
    if (chosen[p] == 0) continue;
    auto it = u.deps.find({p, chosen[p]});
    if (it == u.deps.end()) continue;
    for (const Req& r : it->second) {
      if (!ok(r)) return false;
    }
  }
  return true;
}

bool BruteForce(const Universe& u) {
  std::vector<int> chosen(u.packages, 0);
  while (true) {
    if (Valid(u, chosen)) return true;
    int p = 0;
    while (p < u.packages && chosen[p] == u.versions[p]) chosen[p++] = 0;
    if (p == u.packages) return false;
    ++chosen[p];
  }
}

std::string Describe(const Universe& u) {
  std::string s = "root:";
  for (const Req& r : u.root) s += " " + Name(r.pkg) + r.spec;
  for (int p = 0; p < u.packages; ++p) {
    for (int v = 1; v <= u.versions[p]; ++v) {
      s += "\n" + Name(p) + " " + Ver(v) + ":";
      auto it = u.deps.find({p, v});
      if (it == u.deps.end()) continue;
      for (const Req& r : it->second) s += " " + Name(r.pkg) + r.spec;
    }
  }
  return s;
}

TEST(ResolverProperty, AgreesWithBruteForce) {
  std::mt19937 rng(20261125);
  spec::TargetOptions options;
  options.python = "3.12";
  options.platforms = {"manylinux_2_28_x86_64"};
  const spec::Target target = *spec::Target::Declare(options);
  int satisfiable = 0;
  for (int c = 0; c < kCases; ++c) {
    Universe u = Generate(rng);
    MemoryProvider provider;
    for (int p = 0; p < u.packages; ++p) {
      for (int v = 1; v <= u.versions[p]; ++v) {
        DistributionFile wheel;
        wheel.filename = Name(p) + "-" + Ver(v) + "-py3-none-any.whl";
        wheel.is_wheel = true;
        wheel.tags = *spec::Tag::ParseSet("py3-none-any");
        VersionMetadata meta;
        auto it = u.deps.find({p, v});
        if (it != u.deps.end()) {
          for (const Req& r : it->second) {
            meta.requires_dist.push_back(*spec::Requirement::Parse(Name(r.pkg) + r.spec));
          }
        }
        provider.Add(Name(p), CandidateVersion{*spec::Version::Parse(Ver(v)), {wheel}},
                     std::move(meta));
      }
    }
    ResolveRequest request;
    for (const Req& r : u.root) {
      request.requirements.push_back(*spec::Requirement::Parse(Name(r.pkg) + r.spec));
    }
    request.target = target;
    auto result = Resolve(provider, request);
    const bool exists = BruteForce(u);
    ASSERT_EQ(result.ok(), exists) << "case " << c << "\n"
                                   << Describe(u) << "\n"
                                   << (result.ok() ? "resolved" : result.error().message());
    if (!result.ok()) {
      EXPECT_EQ(result.error().kind(), ErrorKind::kUnsatisfiable);
      EXPECT_NE(result.error().message().find("version solving failed"), std::string::npos)
          << result.error().message();
      continue;
    }
    ++satisfiable;
    std::vector<int> chosen(u.packages, 0);
    for (const ResolvedPackage& p : result->packages) {
      chosen[std::stoi(p.name.substr(1))] = static_cast<int>(p.version.release()[0]);
    }
    EXPECT_TRUE(Valid(u, chosen)) << "case " << c << "\n" << Describe(u);
  }
  // The generator must produce both kinds of input to test anything.
  EXPECT_GT(satisfiable, kCases / 4);
  EXPECT_LT(satisfiable, kCases);
}

}  // namespace
}  // namespace sparkenv::resolve
