// Runs the name and canonicalize_version tables of packaging 26.3's
// tests/test_utils.py (tests/fixtures/packaging/utils.json) against the spec
// module. Wheel and sdist filename tables belong to the filename module.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "spec/name.h"
#include "spec/version.h"
#include "tests/spec/packaging_fixtures.h"

namespace sparkenv::spec {
namespace {

using nlohmann::json;
using sparkenv::testing::LoadPackagingExpected;
using sparkenv::testing::LoadPackagingFile;
using sparkenv::testing::LoadPackagingTable;

// Tables of utils.json this file runs; the others are listed with their owner.
const std::set<std::string> kNameTables = {
    "test_canonicalize_name", "test_canonicalize_name_invalid", "test_is_normalized_name"};
const std::set<std::string> kVersionTables = {"test_canonicalize_version",
                                              "test_canonicalize_version_no_strip_trailing_zero"};
const std::set<std::string> kOtherModules = {
    // wheel and sdist filenames: src/spec/filename (tags/wheel-filename work).
    "test_parse_sdist_filename",
    "test_parse_sdist_invalid_filename",
    "test_parse_wheel_filename",
    "test_parse_wheel_invalid_filename",
    "test_parse_wheel_unsorted_tags_invalid_with_validate",
    "test_parse_wheel_unsorted_tags_valid_by_default"};

TEST(NameFixturesTest, EveryTableIsAccountedFor) {
  const json& doc = LoadPackagingFile("utils");
  ASSERT_FALSE(doc.is_null());
  for (const auto& [name, table] : doc["tables"].items()) {
    EXPECT_TRUE(kNameTables.count(name) || kVersionTables.count(name) || kOtherModules.count(name))
        << "utils.json table " << name << " is neither run nor listed";
  }
}

TEST(NameFixturesTest, NameTables) {
  size_t checked = 0;
  for (const std::string& table : kNameTables) {
    json cases = LoadPackagingTable("utils", table);
    json expected = LoadPackagingExpected("utils", table);
    ASSERT_EQ(cases.size(), expected.size()) << table;
    for (size_t i = 0; i < cases.size(); ++i) {
      std::string name = cases[i][0];
      std::string column = cases[i][1];  // the test's own expectation
      const json& r = expected[i]["result"];
      SCOPED_TRACE(table + " case " + std::to_string(i) + ": " + cases[i].dump());
      EXPECT_EQ(NormalizeName(name), r["canonicalize_name"]["value"].get<std::string>());
      if (table != "test_is_normalized_name") {
        EXPECT_EQ(NormalizeName(name), column);
      }
      bool valid = !r["canonicalize_name_validate"].contains("error");
      EXPECT_EQ(IsValidName(name), valid);
      auto parsed = PackageName::Parse(name);
      EXPECT_EQ(parsed.ok(), valid);
      if (valid && parsed.ok()) {
        EXPECT_EQ(parsed->normalized(),
                  r["canonicalize_name_validate"]["value"].get<std::string>());
      }
      EXPECT_EQ(IsNormalizedName(name), r["is_normalized_name"].get<bool>());
      ++checked;
    }
  }
  EXPECT_EQ(checked, 29u);
}

TEST(NameFixturesTest, CanonicalizeVersionTables) {
  size_t checked = 0;
  for (const std::string& table : kVersionTables) {
    json cases = LoadPackagingTable("utils", table);
    json expected = LoadPackagingExpected("utils", table);
    ASSERT_EQ(cases.size(), expected.size()) << table;
    for (size_t i = 0; i < cases.size(); ++i) {
      const json& arg = cases[i][0];
      // A Version object in the table canonicalizes like its text.
      std::string text = arg.is_object() ? arg["value"].get<std::string>() : arg.get<std::string>();
      const json& r = expected[i]["result"];
      SCOPED_TRACE(table + " case " + std::to_string(i) + ": " + cases[i].dump());
      EXPECT_EQ(CanonicalizeVersion(text), r["canonicalize_version"]["value"].get<std::string>());
      EXPECT_EQ(CanonicalizeVersion(text, false),
                r["no_strip_trailing_zero"]["value"].get<std::string>());
      ++checked;
    }
  }
  EXPECT_EQ(checked, 15u);
}

}  // namespace
}  // namespace sparkenv::spec
