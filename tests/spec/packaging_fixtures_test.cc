// Checks the extracted packaging fixtures themselves: every file parses, comes
// from the pinned release, and every table has cases (and, where computed,
// one expectation per case). Fails if the extraction broke.
#include "tests/spec/packaging_fixtures.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace sparkenv::testing {
namespace {

const std::vector<std::string> kFiles = {"version", "specifiers",   "markers",
                                         "requirements", "utils", "tags",
                                         "metadata"};

TEST(PackagingFixtures, EveryFileHasNonEmptyTables) {
  for (const std::string& file : kFiles) {
    SCOPED_TRACE(file);
    const nlohmann::json& doc = LoadPackagingFile(file);
    ASSERT_FALSE(doc.is_null());
    EXPECT_EQ(doc.value("packaging_version", ""), "26.3");
    EXPECT_EQ(doc.value("source", ""), "tests/test_" + file + ".py");
    const nlohmann::json& tables = doc["tables"];
    ASSERT_TRUE(tables.is_object());
    EXPECT_FALSE(tables.empty());
    for (const auto& [name, table] : tables.items()) {
      SCOPED_TRACE(name);
      ASSERT_TRUE(table.contains("argnames"));
      ASSERT_TRUE(table["cases"].is_array());
      EXPECT_GE(table["cases"].size(), 1u);
      for (const nlohmann::json& row : table["cases"]) {
        ASSERT_TRUE(row.is_array());
        ASSERT_EQ(row.size(), table["argnames"].size());
      }
      if (table.contains("expected")) {
        EXPECT_EQ(table["expected"].size(), table["cases"].size());
        EXPECT_TRUE(table.contains("expected_doc"));
      }
    }
  }
}

TEST(PackagingFixtures, NoUnknownFiles) {
  // Every *.json in the folder is one of kFiles (so none is silently unchecked).
  for (const auto& entry :
       std::filesystem::directory_iterator(PackagingFixtureDir())) {
    if (entry.path().extension() != ".json") continue;
    const std::string stem = entry.path().stem().string();
    EXPECT_NE(std::find(kFiles.begin(), kFiles.end(), stem), kFiles.end())
        << "unexpected fixture " << entry.path();
  }
}

TEST(PackagingFixtures, LoadsTablesTheOtherTestsUse) {
  const nlohmann::json versions = LoadPackagingTable("version", "VERSIONS");
  ASSERT_GE(versions.size(), 50u);
  EXPECT_EQ(versions[0][0], "1.0.dev0");  // the list is in ascending order
  const nlohmann::json expected = LoadPackagingExpected("version", "VERSIONS");
  ASSERT_EQ(expected.size(), versions.size());
  EXPECT_EQ(expected[0]["value"]["valid"], true);
  EXPECT_EQ(expected[0]["value"]["dev"], 0);

  EXPECT_FALSE(LoadPackagingTable("specifiers", "TestSpecifier.test_specifiers").empty());
  EXPECT_FALSE(LoadPackagingTable("markers", "TestMarker.test_evaluates").empty());
  EXPECT_FALSE(LoadPackagingExpected("requirements",
                                     "test_basic_valid_requirement_parsing")
                   .empty());
  EXPECT_FALSE(LoadPackagingTable("utils", "test_parse_wheel_filename").empty());
}

TEST(PackagingFixtures, MissingTableFailsTheTest) {
  // The helper must report a missing table as a failure, not return silently.
  // (EXPECT_NONFATAL_FAILURE needs gtest-spi.h.)
  nlohmann::json cases;
  EXPECT_NONFATAL_FAILURE(
      cases = LoadPackagingTable("version", "NoSuchTable"),
      "packaging fixture table 'NoSuchTable' is missing");
  EXPECT_TRUE(cases.empty());
  EXPECT_NONFATAL_FAILURE(LoadPackagingFile("no_such_file"),
                          "is missing: re-run");
}

}  // namespace
}  // namespace sparkenv::testing
