// Runs every table of packaging 26.3's tests/test_version.py
// (tests/fixtures/packaging/version.json) against spec::Version. Tables that
// test Python object protocol only are skipped by name below, with the reason;
// docs/spec-versions.md lists them too.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "spec/version.h"
#include "tests/spec/packaging_fixtures.h"

namespace sparkenv::spec {
namespace {

using nlohmann::json;
using sparkenv::testing::LoadPackagingFile;

const std::map<std::string, std::string> kSkipped = {
    {"TestVersion.test_base_version_notimplemented_with_non_base_version",
     "Python's NotImplemented protocol for foreign types; C++ types do not mix"},
    {"TestVersion.test_compare_other", "comparison with a non-Version Python object"},
    {"TestVersion.test_dunder_op_returns_notimplemented", "Python's NotImplemented protocol"},
    {"TestVersion.test_non_string_versions_raise_invalid_version",
     "inputs that are not strings (None, ints, lists); Version::Parse takes text"},
    {"test_from_parts", "keyword arguments of Version.from_parts; there is no such API"},
};

std::string Dump(const json& j) { return j.dump(); }

std::string ReleaseJson(const Version& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.release().size(); ++i) {
    if (i) out += ",";
    out += v.ReleaseText(i);
  }
  return out + "]";
}

std::string LocalText(const Version& v) {
  std::string out;
  for (size_t i = 0; i < v.local().size(); ++i) {
    if (i) out += ".";
    const LocalSegment& s = v.local()[i];
    out += std::holds_alternative<std::string>(s) ? std::get<std::string>(s)
                                                  : std::to_string(std::get<uint64_t>(s));
  }
  return out;
}

// Checks every fact packaging computed for Version(text).
void ExpectFacts(const std::string& text, const json& facts) {
  auto v = Version::Parse(text);
  if (!facts["valid"].get<bool>()) {
    EXPECT_FALSE(v.ok()) << "packaging rejects it (" << facts["error"].get<std::string>() << ")";
    return;
  }
  ASSERT_TRUE(v.ok()) << v.error().message();
  EXPECT_EQ(v->ToString(), facts["str"].get<std::string>());
  EXPECT_EQ(v->Public().ToString(), facts["public"].get<std::string>());
  EXPECT_EQ(v->Base().ToString(), facts["base_version"].get<std::string>());
  EXPECT_EQ(std::to_string(v->epoch()), Dump(facts["epoch"]));
  EXPECT_EQ(ReleaseJson(*v), Dump(facts["release"]));
  if (facts["pre"].is_null()) {
    EXPECT_FALSE(v->pre().has_value());
  } else {
    ASSERT_TRUE(v->pre().has_value());
    const char* kind[] = {"a", "b", "rc"};
    EXPECT_EQ(kind[static_cast<int>(v->pre()->first)], facts["pre"][0].get<std::string>());
    EXPECT_EQ(std::to_string(v->pre()->second), Dump(facts["pre"][1]));
  }
  EXPECT_EQ(v->post() ? std::to_string(*v->post()) : "null", Dump(facts["post"]));
  EXPECT_EQ(v->dev() ? std::to_string(*v->dev()) : "null", Dump(facts["dev"]));
  EXPECT_EQ(v->has_local() ? "\"" + LocalText(*v) + "\"" : "null", Dump(facts["local"]));
  EXPECT_EQ(v->is_prerelease(), facts["is_prerelease"].get<bool>());
  EXPECT_EQ(v->is_postrelease(), facts["is_postrelease"].get<bool>());
  EXPECT_EQ(v->is_devrelease(), facts["is_devrelease"].get<bool>());
  // Normalization is a fixed point and round-trips.
  auto again = Version::Parse(v->ToString());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *v);
  EXPECT_EQ(again->ToString(), v->ToString());
}

bool Apply(const std::string& op, const Version& a, const Version& b) {
  if (op == "operator.lt") return a < b;
  if (op == "operator.le") return a <= b;
  if (op == "operator.eq") return a == b;
  if (op == "operator.ne") return a != b;
  if (op == "operator.ge") return a >= b;
  if (op == "operator.gt") return a > b;
  ADD_FAILURE() << "unknown operator " << op;
  return false;
}

TEST(VersionFixturesTest, EveryTable) {
  const json& doc = LoadPackagingFile("version");
  ASSERT_FALSE(doc.is_null());
  EXPECT_EQ(doc["packaging_version"], "26.3");
  size_t fact_cases = 0, comparisons = 0, skipped_tables = 0;
  for (const auto& [name, table] : doc["tables"].items()) {
    SCOPED_TRACE("version.json table " + name);
    if (kSkipped.count(name)) {
      ++skipped_tables;
      continue;
    }
    const json& cases = table["cases"];
    if (table.contains("expected_all")) {  // test_comparison_true / _false
      bool want = table["expected_all"]["result"].get<bool>();
      for (const json& c : cases) {
        auto a = Version::Parse(c[0].get<std::string>());
        auto b = Version::Parse(c[1].get<std::string>());
        ASSERT_TRUE(a.ok() && b.ok()) << c.dump();
        EXPECT_EQ(Apply(c[2]["value"].get<std::string>(), *a, *b), want) << c.dump();
        ++comparisons;
      }
      continue;
    }
    ASSERT_TRUE(table.contains("expected")) << "table has no expectations and is not skipped";
    const json& expected = table["expected"];
    ASSERT_EQ(cases.size(), expected.size());
    const json& argnames = table["argnames"];
    for (size_t i = 0; i < cases.size(); ++i) {
      SCOPED_TRACE("case " + std::to_string(i) + ": " + cases[i].dump());
      size_t facts_here = 0;
      for (size_t k = 0; k < argnames.size(); ++k) {
        std::string arg = argnames[k];
        if (!expected[i].contains(arg)) continue;
        ASSERT_TRUE(cases[i][k].is_string());
        ExpectFacts(cases[i][k].get<std::string>(), expected[i][arg]);
        ++facts_here;
      }
      EXPECT_GT(facts_here, 0u);
      // Columns that state the expectation directly must agree as well.
      auto v = Version::Parse(cases[i][0].get<std::string>());
      if (name == "TestVersion.test_normalized_versions" ||
          name == "TestVersion.test_version_str_repr") {
        ASSERT_TRUE(v.ok());
        EXPECT_EQ(v->ToString(), cases[i][1].get<std::string>());
      } else if (name == "TestVersion.test_version_public") {
        EXPECT_EQ(v->Public().ToString(), cases[i][1].get<std::string>());
      } else if (name == "TestVersion.test_version_base_version") {
        EXPECT_EQ(v->Base().ToString(), cases[i][1].get<std::string>());
      }
      ++fact_cases;
    }
  }
  EXPECT_EQ(skipped_tables, kSkipped.size());
  EXPECT_EQ(comparisons, 2u * 25392u);
  EXPECT_GE(fact_cases, 600u);
  std::cout << "[ fixtures ] version.json: " << fact_cases << " cases with facts, " << comparisons
            << " comparisons, " << skipped_tables << " tables skipped by name\n";
}

// VERSIONS is in PEP 440 order (the comparison tables check every pair; this
// also checks that sorting reproduces it).
TEST(VersionFixturesTest, VersionsTableIsSorted) {
  json cases = sparkenv::testing::LoadPackagingTable("version", "VERSIONS");
  ASSERT_EQ(cases.size(), 92u);
  std::vector<Version> versions;
  for (const json& c : cases) versions.push_back(*Version::Parse(c[0].get<std::string>()));
  std::vector<Version> reversed(versions.rbegin(), versions.rend());
  std::stable_sort(reversed.begin(), reversed.end());
  for (size_t i = 0; i < versions.size(); ++i) {
    EXPECT_EQ(reversed[i].ToString(), versions[i].ToString()) << i;
  }
}

}  // namespace
}  // namespace sparkenv::spec
