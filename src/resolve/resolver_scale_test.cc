// A larger random index (40 projects x 20 versions, layered dependencies
// with ranges, much backtracking): the resolver must finish, and either
// satisfy every edge or explain the failure. Prints the time taken.
#include <chrono>
#include <map>
#include <random>
#include <string>

#include "gtest/gtest.h"
#include "resolve/memory_provider.h"
#include "resolve/resolver.h"

namespace sparkenv::resolve {
namespace {

constexpr int kProjects = 40;
constexpr int kVersions = 20;

TEST(ResolverScale, LayeredRandomIndex) {
  std::mt19937 rng(7);
  MemoryProvider provider;
  for (int p = 0; p < kProjects; ++p) {
    for (int v = 1; v <= kVersions; ++v) {
      DistributionFile wheel;
      wheel.filename = "p" + std::to_string(p) + ".whl";
      wheel.is_wheel = true;
      wheel.tags = *spec::Tag::ParseSet("py3-none-any");
      VersionMetadata meta;
      for (int d = 0; d < 3 && p + 1 < kProjects; ++d) {
        int q = p + 1 + static_cast<int>(rng() % std::min(10, kProjects - p - 1));
        int lo = 1 + static_cast<int>(rng() % kVersions);
        int hi = lo + 1 + static_cast<int>(rng() % 15);
        meta.requires_dist.push_back(*spec::Requirement::Parse(
            "p" + std::to_string(q) + ">=" + std::to_string(lo) + ",<" + std::to_string(hi)));
      }
      provider.Add("p" + std::to_string(p),
                   CandidateVersion{*spec::Version::Parse(std::to_string(v)), {wheel}},
                   std::move(meta));
    }
  }
  ResolveRequest request;
  request.requirements.push_back(*spec::Requirement::Parse("p0"));
  spec::TargetOptions options;
  options.python = "3.12";
  options.platforms = {"manylinux_2_28_x86_64"};
  request.target = *spec::Target::Declare(options);
  auto start = std::chrono::steady_clock::now();
  auto r = Resolve(provider, request);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("resolver scale: %s in %.3f s, %d metadata calls\n",
              r.ok() ? "resolved" : "unsatisfiable", seconds, provider.metadata_calls());
  if (!r.ok()) {
    EXPECT_EQ(r.error().kind(), ErrorKind::kUnsatisfiable);
    EXPECT_NE(r.error().message().find("version solving failed."), std::string::npos);
    return;
  }
  std::map<std::string, spec::Version> chosen;
  for (const ResolvedPackage& p : r->packages) chosen.emplace(p.name, p.version);
  for (const ResolvedPackage& p : r->packages) {
    for (const Dependency& d : p.dependencies) {
      auto req = spec::Requirement::Parse(d.requirement);
      ASSERT_TRUE(req.ok());
      ASSERT_EQ(chosen.count(d.name), 1u) << d.name;
      EXPECT_TRUE(req->specifier().Contains(chosen.at(d.name)))
          << p.name << " -> " << d.requirement;
    }
  }
}

}  // namespace
}  // namespace sparkenv::resolve
