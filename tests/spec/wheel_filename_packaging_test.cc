// Runs the test tables of pypa/packaging 26.3 tests/test_utils.py
// (tests/fixtures/packaging/utils.json) against spec/wheel_filename (and the
// name helpers it relies on). Every table in the file is run here except the
// canonicalize_version tables (the version module's); each
// case is compared with the outcome packaging computed for it (`expected`),
// both with and without validate_order.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "base/strings.h"
#include "spec/name.h"
#include "spec/wheel_filename.h"
#include "tests/spec/packaging_fixtures.h"

namespace sparkenv::spec {
namespace {

using nlohmann::json;
using testing::LoadPackagingExpected;
using testing::LoadPackagingFile;
using testing::LoadPackagingTable;

constexpr const char* kFile = "utils";

// A fixture value: a plain string, or {"$type": "Version", "value": "1.0"}.
std::string Text(const json& value) {
  return value.is_string() ? value.get<std::string>() : value.at("value").get<std::string>();
}

// Compares our parse of `filename` with one packaging outcome
// ({"value": [name, Version, build, tags]} or {"error": ...}).
void ExpectWheel(const std::string& filename, bool validate_order, const json& outcome) {
  SCOPED_TRACE(filename + (validate_order ? " (validate_order)" : ""));
  auto wheel = WheelFilename::Parse(filename, validate_order);
  if (outcome.contains("error")) {
    EXPECT_FALSE(wheel.ok()) << "packaging rejects it: " << outcome["message"];
    return;
  }
  ASSERT_TRUE(wheel.ok()) << wheel.error().message();
  const json& v = outcome.at("value");
  EXPECT_EQ(wheel->name(), v[0].get<std::string>());
  EXPECT_EQ(wheel->version().ToString(), Text(v[1]));
  if (v[2].empty()) {
    EXPECT_FALSE(wheel->build().has_value());
  } else {
    ASSERT_TRUE(wheel->build().has_value());
    EXPECT_EQ(wheel->build()->number, v[2][0].get<uint64_t>());
    EXPECT_EQ(wheel->build()->suffix, v[2][1].get<std::string>());
  }
  std::set<std::string> expected_tags;
  for (const json& tag : v[3].at("value")) expected_tags.insert(Text(tag));
  std::set<std::string> tags;
  for (const Tag& tag : wheel->tags()) tags.insert(tag.ToString());
  EXPECT_EQ(tags, expected_tags);
  EXPECT_EQ(tags.size(), wheel->tags().size());  // no duplicates
}

void RunWheelTable(const std::string& table) {
  const json cases = LoadPackagingTable(kFile, table);
  const json expected = LoadPackagingExpected(kFile, table);
  ASSERT_EQ(cases.size(), expected.size());
  ASSERT_FALSE(cases.empty());
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string filename = cases[i][0];
    ExpectWheel(filename, false, expected[i]["result"]["default"]);
    ExpectWheel(filename, true, expected[i]["result"]["validate_order"]);
  }
}

void RunSdistTable(const std::string& table) {
  const json cases = LoadPackagingTable(kFile, table);
  const json expected = LoadPackagingExpected(kFile, table);
  ASSERT_EQ(cases.size(), expected.size());
  ASSERT_FALSE(cases.empty());
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string filename = cases[i][0];
    SCOPED_TRACE(filename);
    const json& outcome = expected[i]["result"];
    auto sdist = SdistFilename::Parse(filename);
    if (outcome.contains("error")) {
      EXPECT_FALSE(sdist.ok());
      continue;
    }
    ASSERT_TRUE(sdist.ok()) << sdist.error().message();
    EXPECT_EQ(sdist->name(), outcome["value"][0].get<std::string>());
    EXPECT_EQ(sdist->version().ToString(), Text(outcome["value"][1]));
  }
}

void RunNameTable(const std::string& table) {
  const json cases = LoadPackagingTable(kFile, table);
  const json expected = LoadPackagingExpected(kFile, table);
  ASSERT_EQ(cases.size(), expected.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string name = cases[i][0];
    SCOPED_TRACE(Quote(name));
    const json& r = expected[i]["result"];
    EXPECT_EQ(NormalizeName(name), r["canonicalize_name"]["value"].get<std::string>());
    EXPECT_EQ(ValidateName(name).ok(), !r["canonicalize_name_validate"].contains("error"));
    EXPECT_EQ(IsNormalizedName(name), r["is_normalized_name"].get<bool>());
  }
}

TEST(PackagingUtilsFixtures, WheelFilenames) { RunWheelTable("test_parse_wheel_filename"); }
TEST(PackagingUtilsFixtures, InvalidWheelFilenames) {
  RunWheelTable("test_parse_wheel_invalid_filename");
}
TEST(PackagingUtilsFixtures, UnsortedTagSets) {
  RunWheelTable("test_parse_wheel_unsorted_tags_valid_by_default");
  RunWheelTable("test_parse_wheel_unsorted_tags_invalid_with_validate");
}
TEST(PackagingUtilsFixtures, SdistFilenames) {
  RunSdistTable("test_parse_sdist_filename");
  RunSdistTable("test_parse_sdist_invalid_filename");
}
TEST(PackagingUtilsFixtures, Names) {
  RunNameTable("test_canonicalize_name");
  RunNameTable("test_canonicalize_name_invalid");
  RunNameTable("test_is_normalized_name");
}

TEST(PackagingUtilsFixtures, EveryTableIsRun) {
  const std::set<std::string> run = {
      "test_parse_wheel_filename", "test_parse_wheel_invalid_filename",
      "test_parse_wheel_unsorted_tags_valid_by_default",
      "test_parse_wheel_unsorted_tags_invalid_with_validate", "test_parse_sdist_filename",
      "test_parse_sdist_invalid_filename", "test_canonicalize_name",
      "test_canonicalize_name_invalid", "test_is_normalized_name",
      // Version canonicalization belongs to the version module's suite.
      "test_canonicalize_version", "test_canonicalize_version_no_strip_trailing_zero"};
  const json& doc = LoadPackagingFile(kFile);
  ASSERT_FALSE(doc.is_null());
  for (const auto& [name, table] : doc["tables"].items()) {
    EXPECT_TRUE(run.contains(name)) << "utils.json table " << name << " is not run";
  }
}

}  // namespace
}  // namespace sparkenv::spec
