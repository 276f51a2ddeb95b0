// The packse scenarios (tests/fixtures/packse/scenarios, see the README
// there): every scenario is loaded into an in-memory provider the way packse
// builds its packages, resolved for the scenario's target, and compared with
// its [expected] table. Scenarios that need a feature sparkenv does not have
// are skipped by name (kSkipped, also in docs/resolver.md); scenarios where
// sparkenv deliberately follows pip rather than uv assert sparkenv's answer
// (kPipChoices). Any other mismatch fails the test.
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/toml_guard.h"
#include "gtest/gtest.h"
#include "resolve/memory_provider.h"
#include "resolve/resolver.h"
#include "spec/name.h"
#include "spec/target.h"

namespace sparkenv::resolve {
namespace {

// packse's defaults (src/packse/scenario.py).
constexpr const char* kDefaultRequiresPython = ">=3.12";
constexpr const char* kDefaultPython = "3.12";
constexpr const char* kDefaultPlatform = "manylinux_2_28_x86_64";

struct Skip {
  const char* name;
  const char* reason;
};

constexpr const char* kUniversal = "universal resolution";

// Scenarios not run, with the reason. All are uv's universal resolution
// (`universal = true`: one lock for every environment, forking on markers);
// sparkenv resolves for one target. A universal scenario missing here fails.
const Skip kSkipped[] = {
    {"wrong-backtracking-basic", kUniversal},
    {"wrong-backtracking-indirect", kUniversal},
    {"fork-allows-non-conflicting-non-overlapping-dependencies", kUniversal},
    {"fork-allows-non-conflicting-repeated-dependencies", kUniversal},
    {"fork-basic", kUniversal},
    {"conflict-in-fork", kUniversal},
    {"fork-conflict-unsatisfiable", kUniversal},
    {"fork-filter-sibling-dependencies", kUniversal},
    {"fork-upgrade", kUniversal},
    {"fork-incomplete-markers", kUniversal},
    {"fork-marker-accrue", kUniversal},
    {"fork-marker-disjoint", kUniversal},
    {"fork-marker-inherit-combined-allowed", kUniversal},
    {"fork-marker-inherit-combined-disallowed", kUniversal},
    {"fork-marker-inherit-combined", kUniversal},
    {"fork-marker-inherit-isolated", kUniversal},
    {"fork-marker-inherit-transitive", kUniversal},
    {"fork-marker-inherit", kUniversal},
    {"fork-marker-limited-inherit", kUniversal},
    {"fork-marker-selection", kUniversal},
    {"fork-marker-track", kUniversal},
    {"fork-non-fork-marker-transitive", kUniversal},
    {"fork-non-local-fork-marker-direct", kUniversal},
    {"fork-non-local-fork-marker-transitive", kUniversal},
    {"fork-overlapping-markers-basic", kUniversal},
    {"preferences-dependent-forking-bistable", kUniversal},
    {"preferences-dependent-forking-conflicting", kUniversal},
    {"preferences-dependent-forking-tristable", kUniversal},
    {"preferences-dependent-forking", kUniversal},
    {"fork-remaining-universe-partitioning", kUniversal},
    {"fork-requires-python-full-prerelease", kUniversal},
    {"fork-requires-python-full", kUniversal},
    {"fork-requires-python-patch-overlap", kUniversal},
    {"fork-requires-python", kUniversal},
    {"requires-python-wheels", kUniversal},
    {"unreachable-package", kUniversal},
    {"unreachable-wheels", kUniversal},
    {"marker-variants-have-different-extras", kUniversal},
    {"virtual-package-extra-priorities", kUniversal},
    {"requires-python-subset", kUniversal},
    {"specific-architecture", kUniversal},
};

// Where sparkenv follows pip and the specifications allow both answers, the
// result sparkenv gives instead of packse's (uv's) expectation.
struct PipChoice {
  const char* name;
  bool satisfiable;
  std::map<std::string, std::string> packages;
  const char* reason;
};

const std::vector<PipChoice>& PipChoices() {
  static const std::vector<PipChoice> choices = {
      // uv allows a pre-release only when every version is one or a
      // first-party requirement names one; pip (and PEP 440: "accept
      // pre-releases ... if no final release satisfies the specifier")
      // takes one when nothing else in the range matches.
      {"package-only-prereleases-in-range",
       true,
       {{"a", "1.0.0a1"}},
       "pip: pre-release when no final release matches"},
      {"transitive-package-only-prereleases-in-range",
       true,
       {{"a", "0.1.0"}, {"b", "1.0.0a1"}},
       "pip: pre-release when no final release matches"},
      // a's requirement on c names a pre-release (==2.0.0b1, >=2.0.0b1,
      // <2.0.0b5): pip allows pre-releases of c, uv only for first-party
      // requirements.
      {"transitive-prerelease-and-stable-dependency",
       true,
       {{"a", "1.0.0"}, {"b", "1.0.0"}, {"c", "2.0.0b1"}},
       "pip: a transitive specifier naming a pre-release allows it"},
      {"transitive-prerelease-and-stable-dependency-many-versions",
       true,
       {{"a", "1.0.0"}, {"b", "1.0.0"}, {"c", "2.0.0b9"}},
       "pip: a transitive specifier naming a pre-release allows it"},
      {"transitive-prerelease-and-stable-dependency-many-versions-holes",
       true,
       {{"a", "1.0.0"}, {"b", "1.0.0"}, {"c", "2.0.0b4"}},
       "pip: a transitive specifier naming a pre-release allows it"},
      // uv ignores upper bounds of Requires-Python; pip (and the core
      // metadata spec) check the whole specifier.
      {"python-less-than-current", false, {}, "pip: Requires-Python <=3.8 excludes Python 3.9"},
  };
  return choices;
}

std::string Str(const toml::node_view<const toml::node>& node, const std::string& fallback) {
  return node.value<std::string>().value_or(fallback);
}

std::vector<std::string> Strings(const toml::node_view<const toml::node>& node) {
  std::vector<std::string> out;
  if (const toml::array* array = node.as_array()) {
    for (const toml::node& item : *array) {
      if (auto s = item.value<std::string>()) out.push_back(*s);
    }
  }
  return out;
}

spec::Requirement MustParse(const std::string& text, const std::string& scenario) {
  auto r = spec::Requirement::Parse(text);
  EXPECT_TRUE(r.ok()) << scenario << ": " << (r.ok() ? "" : r.error().message());
  if (!r.ok()) return *spec::Requirement::Parse("invalid-requirement");
  return *r;
}

// A requirement of extra `extra`: the marker gains `extra == "<extra>"`.
std::string WithExtraMarker(const std::string& text, const std::string& extra) {
  size_t semi = text.find(';');
  if (semi == std::string::npos) return text + " ; extra == '" + extra + "'";
  return text.substr(0, semi) + " ; (" + text.substr(semi + 1) + ") and extra == '" + extra + "'";
}

std::string PlatformTag(const std::string& python_platform) {
  if (python_platform == "x86_64-manylinux2014") return "manylinux_2_17_x86_64";
  return "";
}

struct Outcome {
  bool ok = false;
  std::map<std::string, std::string> packages;
  std::string error;
};

struct Loaded {
  std::string name;
  std::string skip_reason;
  ResolveRequest request;
  MemoryProvider provider;
  bool satisfiable = false;
  bool has_expected_packages = false;
  std::map<std::string, std::string> expected;
};

void Load(const toml::table& doc, Loaded& out) {
  const toml::node_view<const toml::node> root{doc};
  out.name = Str(root["name"], "");
  const auto options = root["resolver_options"];
  if (options["universal"].value<bool>().value_or(false)) {
    out.skip_reason = kUniversal;
    return;
  }
  if (options["required_environments"]) {
    out.skip_reason = "required_environments";
    return;
  }
  std::string python = Str(options["python"], Str(root["environment"]["python"], kDefaultPython));
  std::string platform = kDefaultPlatform;
  if (auto pp = options["python_platform"].value<std::string>()) {
    platform = PlatformTag(*pp);
    if (platform.empty()) {
      out.skip_reason = "python_platform " + *pp;
      return;
    }
  }
  spec::TargetOptions target_options;
  target_options.python = python;
  target_options.platforms = {platform};
  auto target = spec::Target::Declare(target_options);
  ASSERT_TRUE(target.ok()) << out.name << ": " << target.error().message();
  out.request.target = *target;
  if (options["prereleases"].value<bool>().value_or(false)) {
    out.request.options.prereleases = Prereleases::kAllow;
  }
  out.request.options.no_build = Strings(options["no_build"]);
  out.request.options.no_binary = Strings(options["no_binary"]);

  for (const std::string& r : Strings(root["root"]["requires"])) {
    out.request.requirements.push_back(MustParse(r, out.name));
  }
  // packse's root default (">=3.12") only matters for uv's project
  // interface; uv's `pip compile` scenarios ignore it unless it is given.
  if (auto text = root["root"]["requires_python"].value<std::string>()) {
    auto root_python = spec::SpecifierSet::Parse(*text);
    ASSERT_TRUE(root_python.ok()) << out.name;
    out.request.requires_python = *root_python;
  }

  if (const toml::table* packages = root["packages"].as_table()) {
    for (const auto& [pkg_key, pkg_node] : *packages) {
      const std::string name(pkg_key.str());
      const toml::table* versions =
          pkg_node.as_table() ? (*pkg_node.as_table())["versions"].as_table() : nullptr;
      if (versions == nullptr) continue;
      for (const auto& [version_key, version_node] : *versions) {
        const std::string version_text(version_key.str());
        const toml::node_view<const toml::node> v{version_node};
        auto version = spec::Version::Parse(version_text);
        ASSERT_TRUE(version.ok()) << out.name << ": " << version_text;
        std::string rp_text = Str(v["requires_python"], kDefaultRequiresPython);
        auto rp = spec::SpecifierSet::Parse(rp_text);
        ASSERT_TRUE(rp.ok()) << out.name << ": " << rp_text;
        const bool yanked = v["yanked"].value<bool>().value_or(false);
        CandidateVersion candidate{*version, {}};
        const std::string file_base = spec::NormalizeName(name) + "-" + version_text;
        if (v["wheel"].value<bool>().value_or(true)) {
          std::vector<std::string> tags = Strings(v["wheel_tags"]);
          if (tags.empty()) tags.push_back("py3-none-any");
          for (const std::string& tag : tags) {
            DistributionFile wheel;
            wheel.filename = file_base + "-" + tag + ".whl";
            wheel.is_wheel = true;
            auto parsed = spec::Tag::ParseSet(tag);
            if (parsed.ok()) wheel.tags = *parsed;  // an invalid tag matches no target
            wheel.requires_python = *rp;
            wheel.yanked = yanked;
            candidate.files.push_back(std::move(wheel));
          }
        }
        if (v["sdist"].value<bool>().value_or(true)) {
          DistributionFile sdist;
          sdist.filename = file_base + ".tar.gz";
          sdist.requires_python = *rp;
          sdist.yanked = yanked;
          candidate.files.push_back(std::move(sdist));
        }
        VersionMetadata metadata;
        metadata.requires_python = *rp;
        for (const std::string& r : Strings(v["requires"])) {
          metadata.requires_dist.push_back(MustParse(r, out.name));
        }
        if (const toml::table* extras = v["extras"].as_table()) {
          for (const auto& [extra_key, extra_node] : *extras) {
            const std::string extra(extra_key.str());
            metadata.provides_extra.push_back(spec::NormalizeExtra(extra));
            for (const std::string& r : Strings(toml::node_view<const toml::node>{extra_node})) {
              metadata.requires_dist.push_back(MustParse(WithExtraMarker(r, extra), out.name));
            }
          }
        }
        out.provider.Add(name, std::move(candidate), std::move(metadata));
      }
    }
  }
  out.satisfiable = root["expected"]["satisfiable"].value<bool>().value_or(false);
  if (const toml::table* expected = root["expected"]["packages"].as_table()) {
    out.has_expected_packages = true;
    for (const auto& [k, node] : *expected) {
      out.expected[spec::NormalizeName(k.str())] = node.value<std::string>().value_or("");
    }
  }
}

Outcome RunScenario(Loaded& loaded) {
  Outcome outcome;
  auto result = Resolve(loaded.provider, loaded.request);
  if (!result.ok()) {
    outcome.error = result.error().message();
    return outcome;
  }
  outcome.ok = true;
  for (const ResolvedPackage& p : result->packages) {
    outcome.packages[p.name] = p.version.ToString();
  }
  return outcome;
}

// Versions compare as PEP 440 versions ("1.0" == "1.0.0").
bool SameVersions(const std::map<std::string, std::string>& a,
                  const std::map<std::string, std::string>& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [name, version] : a) {
    auto it = b.find(name);
    if (it == b.end()) return false;
    auto x = spec::Version::Parse(version);
    auto y = spec::Version::Parse(it->second);
    if (!x.ok() || !y.ok() || !(*x == *y)) return false;
  }
  return true;
}

std::string Describe(const Outcome& o) {
  if (!o.ok) return "unsatisfiable:\n" + o.error;
  std::string s = "{";
  for (const auto& [name, version] : o.packages) s += " " + name + "==" + version;
  return s + " }";
}

TEST(PackseScenarios, EveryScenario) {
  const std::filesystem::path dir =
      std::filesystem::path(SPARKENV_SOURCE_DIR) / "tests/fixtures/packse/scenarios";
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.path().extension() == ".toml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_EQ(files.size(), 148u);

  std::map<std::string, std::string> skip_by_name;
  for (const Skip& s : kSkipped) skip_by_name[s.name] = s.reason;
  std::map<std::string, const PipChoice*> pip_by_name;
  for (const PipChoice& c : PipChoices()) pip_by_name[c.name] = &c;

  int passed = 0;
  int pip_choices = 0;
  std::map<std::string, int> skipped;
  for (const auto& path : files) {
    // Through base/toml_guard.h like every TOML reader in the binary: toml++
    // compiled with two configurations in one program breaks the ODR.
    toml::parse_result parsed = toml::parse_file(path.string());
    if (!parsed) {
      ADD_FAILURE() << path << ": " << parsed.error().description();
      continue;
    }
    toml::table doc = std::move(parsed).table();
    Loaded loaded;
    Load(doc, loaded);
    if (::testing::Test::HasFatalFailure()) return;
    if (auto it = skip_by_name.find(loaded.name); it != skip_by_name.end()) {
      ++skipped[it->second];
      continue;
    }
    if (!loaded.skip_reason.empty()) {
      ADD_FAILURE() << "scenario " << loaded.name << " needs " << loaded.skip_reason
                    << " but is not in kSkipped";
      continue;
    }
    Outcome got = RunScenario(loaded);
    bool want_ok = loaded.satisfiable;
    bool check_packages = loaded.has_expected_packages;
    std::map<std::string, std::string> want = loaded.expected;
    if (auto it = pip_by_name.find(loaded.name); it != pip_by_name.end()) {
      want_ok = it->second->satisfiable;
      want = it->second->packages;
      check_packages = true;
      ++pip_choices;
    }
    bool match =
        got.ok == want_ok && (!want_ok || !check_packages || SameVersions(got.packages, want));
    if (match) {
      ++passed;
      continue;
    }
    Outcome expected;
    expected.ok = want_ok;
    expected.packages = want;
    ADD_FAILURE() << "scenario " << loaded.name << " (" << path.filename().string()
                  << "): expected " << Describe(expected) << "\ngot " << Describe(got);
  }
  int total_skipped = 0;
  std::string reasons;
  for (const auto& [reason, count] : skipped) {
    total_skipped += count;
    if (!reasons.empty()) reasons += ", ";
    reasons += std::to_string(count) + " " + reason;
  }
  std::printf("packse: %d passed (%d of them pip's choice), %d skipped (%s)\n", passed, pip_choices,
              total_skipped, reasons.c_str());
}

}  // namespace
}  // namespace sparkenv::resolve
