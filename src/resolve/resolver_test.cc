#include "resolve/resolver.h"

#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "resolve/memory_provider.h"

namespace sparkenv::resolve {
namespace {

spec::Target LinuxTarget(const char* python = "3.12") {
  spec::TargetOptions options;
  options.python = python;
  options.platforms = {"manylinux_2_28_x86_64"};
  return *spec::Target::Declare(options);
}

// Hand-made indexes: Add("a", "1.0", {"b>=1"}) publishes a py3-none-any wheel.
class Index {
 public:
  Index& Add(const std::string& name, const std::string& version,
             const std::vector<std::string>& requires_dist = {},
             const std::string& requires_python = "", bool yanked = false,
             std::vector<std::string> extras = {}) {
    DistributionFile wheel;
    wheel.filename = name + "-" + version + "-py3-none-any.whl";
    wheel.is_wheel = true;
    wheel.tags = *spec::Tag::ParseSet("py3-none-any");
    wheel.yanked = yanked;
    VersionMetadata meta;
    if (!requires_python.empty()) {
      wheel.requires_python = *spec::SpecifierSet::Parse(requires_python);
      meta.requires_python = wheel.requires_python;
    }
    for (const std::string& r : requires_dist)
      meta.requires_dist.push_back(*spec::Requirement::Parse(r));
    meta.provides_extra = std::move(extras);
    provider.Add(name, CandidateVersion{*spec::Version::Parse(version), {wheel}}, std::move(meta));
    return *this;
  }

  Result<Resolution> Resolve(const std::vector<std::string>& requirements,
                             const std::vector<std::string>& constraints = {},
                             ResolveOptions options = {}, const char* python = "3.12") {
    ResolveRequest request;
    for (const std::string& r : requirements)
      request.requirements.push_back(*spec::Requirement::Parse(r));
    for (const std::string& r : constraints)
      request.constraints.push_back(*spec::Requirement::Parse(r));
    request.target = LinuxTarget(python);
    request.options = std::move(options);
    return resolve::Resolve(provider, request);
  }

  MemoryProvider provider;
};

std::map<std::string, std::string> Versions(const Resolution& r) {
  std::map<std::string, std::string> out;
  for (const ResolvedPackage& p : r.packages) out[p.name] = p.version.ToString();
  return out;
}

using Pins = std::map<std::string, std::string>;

TEST(Resolver, NewestCompatibleVersions) {
  Index index;
  index.Add("a", "1.0", {"b>=1"})
      .Add("a", "2.0", {"b>=2"})
      .Add("b", "1.0")
      .Add("b", "2.0")
      .Add("b", "3.0");
  auto r = index.Resolve({"a"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(Versions(*r), (Pins{{"a", "2.0"}, {"b", "3.0"}}));
  ASSERT_EQ(r->roots.size(), 1u);
  EXPECT_EQ(r->roots[0].name, "a");
  const ResolvedPackage* a = r->Find("a");
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->dependencies.size(), 1u);
  EXPECT_EQ(a->dependencies[0].requirement, "b>=2");
  EXPECT_EQ(a->file.filename, "a-2.0-py3-none-any.whl");
  EXPECT_FALSE(a->from_sdist);
}

TEST(Resolver, Strategies) {
  Index index;
  index.Add("a", "1.0", {"b"}).Add("a", "2.0", {"b"}).Add("b", "1.0").Add("b", "2.0");
  ResolveOptions lowest;
  lowest.strategy = Strategy::kLowest;
  EXPECT_EQ(Versions(*index.Resolve({"a"}, {}, lowest)), (Pins{{"a", "1.0"}, {"b", "1.0"}}));
  ResolveOptions direct;
  direct.strategy = Strategy::kLowestDirect;
  EXPECT_EQ(Versions(*index.Resolve({"a"}, {}, direct)), (Pins{{"a", "1.0"}, {"b", "2.0"}}));
}

TEST(Resolver, BacktracksOverConflicts) {
  // The newest a needs c<2 while b needs c>=2: a must go back to 1.0.
  Index index;
  index.Add("a", "1.0", {"c>=1"})
      .Add("a", "2.0", {"c<2"})
      .Add("b", "1.0", {"c>=2"})
      .Add("c", "1.0")
      .Add("c", "2.0");
  auto r = index.Resolve({"a", "b"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(Versions(*r), (Pins{{"a", "1.0"}, {"b", "1.0"}, {"c", "2.0"}}));
}

TEST(Resolver, ConstraintsLimitButDoNotAdd) {
  Index index;
  index.Add("a", "1.0").Add("a", "2.0").Add("z", "1.0");
  auto r = index.Resolve({"a"}, {"a<2", "z==1.0"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(Versions(*r), (Pins{{"a", "1.0"}}));
}

TEST(Resolver, ExtrasAreTiedToTheBaseVersion) {
  Index index;
  index.Add("a", "1.0", {"b ; extra == 'x'"}, "", false, {"x"})
      .Add("a", "2.0", {"b>=2 ; extra == 'x'"}, "", false, {"x"})
      .Add("b", "1.0");
  auto r = index.Resolve({"a[x]"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(Versions(*r), (Pins{{"a", "1.0"}, {"b", "1.0"}}));
  EXPECT_EQ(r->Find("a")->extras, (std::vector<std::string>{"x"}));
}

TEST(Resolver, MarkersAreEvaluatedForTheTarget) {
  Index index;
  index.Add("a", "1.0", {"win ; sys_platform == 'win32'", "lin ; sys_platform == 'linux'"})
      .Add("lin", "1.0");
  auto r = index.Resolve({"a"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(Versions(*r), (Pins{{"a", "1.0"}, {"lin", "1.0"}}));
}

TEST(Resolver, PreReleasesOnlyWhenAskedOrNecessary) {
  Index index;
  index.Add("a", "1.0").Add("a", "2.0b1");
  EXPECT_EQ(Versions(*index.Resolve({"a"})), (Pins{{"a", "1.0"}}));
  EXPECT_EQ(Versions(*index.Resolve({"a>=2.0b1"})), (Pins{{"a", "2.0b1"}}));
  EXPECT_EQ(Versions(*index.Resolve({"a>1.0"})), (Pins{{"a", "2.0b1"}}));
  ResolveOptions allow;
  allow.prereleases = Prereleases::kAllow;
  EXPECT_EQ(Versions(*index.Resolve({"a"}, {}, allow)), (Pins{{"a", "2.0b1"}}));
}

TEST(Resolver, YankedOnlyWhenPinned) {
  Index index;
  index.Add("a", "1.0").Add("a", "2.0", {}, "", true);
  EXPECT_EQ(Versions(*index.Resolve({"a"})), (Pins{{"a", "1.0"}}));
  EXPECT_EQ(Versions(*index.Resolve({"a==2.0"})), (Pins{{"a", "2.0"}}));
}

TEST(Resolver, ProviderHints) {
  Index index;
  index.Add("a", "1.0", {"b"}).Add("a", "2.0", {"b"}).Add("b", "1.0");
  ASSERT_TRUE(index.Resolve({"a"}).ok());
  EXPECT_EQ(index.provider.list_calls(), 2);
  EXPECT_EQ(index.provider.metadata_calls(), 2);
  EXPECT_GT(index.provider.prefetch_hints(), 0);
}

// Explanations: whole messages pinned.

TEST(ResolverExplanation, TwoStepConflict) {
  Index index;
  index.Add("a", "1.0").Add("a", "2.0", {"b<1"}).Add("b", "0.5").Add("b", "1.0");
  auto r = index.Resolve({"a>=2", "b>=1"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kUnsatisfiable);
  EXPECT_EQ(r.error().message(),
            "Because a==2.0 depends on b<1 and you require a>=2, b<1.0 is required.\n"
            "And because you require b>=1, version solving failed.");
}

TEST(ResolverExplanation, BacktrackingThenFailure) {
  Index index;
  index.Add("a", "1.0", {"c==1.0"})
      .Add("a", "2.0", {"c==2.0"})
      .Add("b", "1.0", {"c==3.0"})
      .Add("c", "1.0")
      .Add("c", "2.0")
      .Add("c", "3.0");
  auto r = index.Resolve({"a", "b"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "Because a==2.0 depends on c==2.0 and a==1.0 depends on c==1.0, a requires c<3.0.\n"
            "And because b==1.0 depends on c==3.0, b and a are incompatible.\n"
            "And because you require a and you require b, version solving failed.");
}

TEST(ResolverExplanation, UnknownPackage) {
  Index index;
  index.Add("a", "1.0", {"nope>=1"});
  auto r = index.Resolve({"a"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(r.error().message(),
            "Because a==1.0 depends on nope>=1 and nope was not found in the package index, a "
            "cannot be used.\n"
            "And because you require a, version solving failed.");
}

TEST(ResolverExplanation, RequiresPython) {
  Index index;
  index.Add("a", "1.0", {}, ">=3.12");
  auto r = index.Resolve({"a==1.0"}, {}, {}, "3.11");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "Because the target's Python 3.11.0 does not satisfy a==1.0's Requires-Python >=3.12 "
            "and you require a==1.0, version solving failed.");
}

TEST(ResolverExplanation, NoMatchingVersion) {
  Index index;
  index.Add("a", "1.0");
  auto r = index.Resolve({"a==2.0"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(
      r.error().message(),
      "Because you require a==2.0 but no version of a matches ==2.0, version solving failed.");
}

// A version with only a Windows wheel and an sdist: the sdist is used on
// Linux, and the result says so; with no_build it is not a candidate.
TEST(Resolver, SdistWhenNoCompatibleWheel) {
  MemoryProvider provider;
  DistributionFile windows;
  windows.filename = "a-1.0-cp312-cp312-win_amd64.whl";
  windows.is_wheel = true;
  windows.tags = *spec::Tag::ParseSet("cp312-cp312-win_amd64");
  DistributionFile sdist;
  sdist.filename = "a-1.0.tar.gz";
  provider.Add("a", CandidateVersion{*spec::Version::Parse("1.0"), {windows, sdist}}, {});
  ResolveRequest request;
  request.requirements.push_back(*spec::Requirement::Parse("a"));
  request.target = LinuxTarget();
  auto r = Resolve(provider, request);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(r->packages[0].from_sdist);
  EXPECT_EQ(r->packages[0].file.filename, "a-1.0.tar.gz");

  request.options.no_build = {"A"};
  r = Resolve(provider, request);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "Because a==1.0 has no wheel for the target and building a from source is disabled "
            "and you require a, version solving failed.");
}

TEST(Resolver, BestRankedWheel) {
  MemoryProvider provider;
  std::vector<DistributionFile> files;
  for (const char* tag :
       {"py3-none-any", "cp312-cp312-manylinux_2_17_x86_64", "cp312-abi3-win_amd64"}) {
    DistributionFile f;
    f.filename = std::string("a-1.0-") + tag + ".whl";
    f.is_wheel = true;
    f.tags = *spec::Tag::ParseSet(tag);
    files.push_back(f);
  }
  provider.Add("a", CandidateVersion{*spec::Version::Parse("1.0"), files}, {});
  ResolveRequest request;
  request.requirements.push_back(*spec::Requirement::Parse("a"));
  request.target = LinuxTarget();
  auto r = Resolve(provider, request);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->packages[0].file.filename, "a-1.0-cp312-cp312-manylinux_2_17_x86_64.whl");
}

TEST(ResolverExplanation, YankedWithReason) {
  MemoryProvider provider;
  DistributionFile f;
  f.filename = "a-1.0-py3-none-any.whl";
  f.is_wheel = true;
  f.tags = *spec::Tag::ParseSet("py3-none-any");
  f.yanked = true;
  f.yanked_reason = "broken build";
  provider.Add("a", CandidateVersion{*spec::Version::Parse("1.0"), {f}}, {});
  ResolveRequest request;
  request.requirements.push_back(*spec::Requirement::Parse("a>=1"));
  request.target = LinuxTarget();
  auto r = Resolve(provider, request);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "Because a==1.0 was yanked (reason: broken build) and you require a>=1, version "
            "solving failed.");
}

TEST(ResolverExplanation, ConflictBetweenExtras) {
  Index index;
  index.Add("a", "1.0", {"b==1 ; extra == 'x'", "b==2 ; extra == 'y'"}, "", false, {"x", "y"})
      .Add("b", "1")
      .Add("b", "2");
  auto r = index.Resolve({"a[x,y]"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "Because a[x]==1.0 depends on b==1 and a[y]==1.0 depends on b==2, a[x] and a[y] are "
            "incompatible.\n"
            "And because you require a[x] and you require a[y], version solving failed.");
}

TEST(Resolver, DirectUrlIsAnError) {
  Index index;
  auto r = index.Resolve({"a @ https://example.org/a-1.0-py3-none-any.whl"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidInput);
  EXPECT_EQ(r.error().message(),
            "requirement 'a @ https://example.org/a-1.0-py3-none-any.whl': direct URL requirements "
            "are not supported by the resolver yet");
}

TEST(ResolverExplanation, RootRequiresPython) {
  Index index;
  ResolveRequest request;
  request.requires_python = *spec::SpecifierSet::Parse(">=3.12");
  request.target = LinuxTarget("3.11");
  auto r = Resolve(index.provider, request);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "the target's Python 3.11.0 does not satisfy the project's Requires-Python >=3.12");
}

}  // namespace
}  // namespace sparkenv::resolve
