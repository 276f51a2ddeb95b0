// Runs every requirement case of pypa/packaging 26.3's
// tests/test_requirements.py (extracted into
// tests/fixtures/packaging/requirements.json) against
// sparkenv::spec::Requirement. Deliberate differences are listed in
// docs/spec-markers.md.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "spec/requirement.h"
#include "tests/spec/packaging_fixtures.h"

namespace sparkenv::spec {
namespace {

using nlohmann::json;
using sparkenv::testing::LoadPackagingExpected;
using sparkenv::testing::LoadPackagingTable;
using sparkenv::testing::LoadPackagingTableObject;

std::optional<size_t> CaretOf(const std::string& message) {
  size_t nl = message.rfind('\n');
  if (nl == std::string::npos) {
    return std::nullopt;
  }
  std::string last = message.substr(nl + 1);
  if (last.empty() || last.back() != '^' || last.size() < 5) {
    return std::nullopt;
  }
  return last.size() - 1 - 4;
}

std::optional<size_t> PositionOf(const std::string& message) {
  static const std::regex kAt(" at position ([0-9]+)$");
  std::smatch m;
  if (!std::regex_search(message, m, kAt)) {
    return std::nullopt;
  }
  return std::stoul(m[1].str());
}

// Checks Requirement::Parse(input) against packaging's facts {valid, str,
// name, url, extras, specifier, marker} or {valid: false, message}.
void ExpectFacts(const std::string& input, const json& facts) {
  SCOPED_TRACE("requirement: " + input);
  Result<Requirement> r = Requirement::Parse(input);
  if (!facts.at("valid").get<bool>()) {
    ASSERT_FALSE(r.ok()) << "parsed as " << r->ToString();
    std::string message = facts.at("message").get<std::string>();
    std::optional<size_t> caret = CaretOf(message);
    if (caret) {
      EXPECT_EQ(PositionOf(r.error().message()), caret)
          << r.error().message() << "\npackaging: " << message;
    }
    return;
  }
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->ToString(), facts.at("str").get<std::string>());
  EXPECT_EQ(r->name(), facts.at("name").get<std::string>());
  if (facts.at("url").is_null()) {
    EXPECT_FALSE(r->url().has_value());
  } else {
    EXPECT_EQ(r->url().value_or("<none>"), facts.at("url").get<std::string>());
  }
  std::vector<std::string> extras(r->extras().begin(), r->extras().end());
  EXPECT_EQ(extras, facts.at("extras").get<std::vector<std::string>>());
  EXPECT_EQ(r->specifier_text(), facts.at("specifier").get<std::string>());
  if (facts.at("marker").is_null()) {
    EXPECT_FALSE(r->marker().has_value());
  } else {
    ASSERT_TRUE(r->marker().has_value());
    EXPECT_EQ(r->marker()->ToString(), facts.at("marker").get<std::string>());
  }
  Result<Requirement> again = Requirement::Parse(r->ToString());
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(again->ToString(), r->ToString());
  EXPECT_TRUE(*again == *r);
}

// Tables whose expectations are facts keyed by argument name.
TEST(RequirementPackagingTest, FactsPerArgument) {
  for (const char* table :
       {"test_basic_valid_requirement_parsing", "TestRequirementBehaviour.test_str_and_repr",
        "TestRequirementParsing.test_error_invalid_marker_malformed_quoted_string",
        "test_normalized_requirements", "test_pickle_requirement_roundtrip",
        "test_pickle_requirement_setstate_rejects_invalid_string",
        "TestRequirementBehaviour.test_different_reqs_different_hashes",
        "TestRequirementBehaviour.test_equal_reqs_equal_hashes",
        "TestRequirementBehaviour.test_equivalent_reqs_equal_hashes_unequal_strings"}) {
    SCOPED_TRACE(table);
    const json& t = LoadPackagingTableObject("requirements", table);
    json cases = LoadPackagingTable("requirements", table);
    json expected = LoadPackagingExpected("requirements", table);
    ASSERT_EQ(cases.size(), expected.size());
    ASSERT_GT(cases.size(), 0u);
    const json& argnames = t.at("argnames");
    size_t checked = 0;
    for (size_t i = 0; i < cases.size(); ++i) {
      for (size_t a = 0; a < argnames.size(); ++a) {
        std::string arg = argnames[a].get<std::string>();
        if (expected[i].contains(arg) && cases[i][a].is_string()) {
          ExpectFacts(cases[i][a].get<std::string>(), expected[i][arg]);
          ++checked;
        }
      }
    }
    EXPECT_GE(checked, cases.size());
  }
}

// Tables whose input the test body builds from the case ("result": facts).
TEST(RequirementPackagingTest, BodyBuiltInputs) {
  struct Table {
    const char* name;
    std::string prefix;
    std::string suffix;
  };
  const Table tables[] = {
      {"TestRequirementParsing.test_file_url", "name @ ", ""},
      {"TestRequirementParsing.test_trailing_horizontal_whitespace", "name>=1", ""},
      {"TestRequirementParsing.test_valid_marker", "name; ", ""},
  };
  for (const Table& table : tables) {
    SCOPED_TRACE(table.name);
    json cases = LoadPackagingTable("requirements", table.name);
    json expected = LoadPackagingExpected("requirements", table.name);
    ASSERT_EQ(cases.size(), expected.size());
    for (size_t i = 0; i < cases.size(); ++i) {
      ExpectFacts(table.prefix + cases[i][0].get<std::string>() + table.suffix,
                  expected[i].at("result"));
    }
  }
  // result: {requirement: facts of Requirement(requirement + line_break)}
  json breaks = LoadPackagingTable(
      "requirements",
      "TestRequirementParsing.test_error_when_suffixed_with_line_break[line_break]");
  json expected = LoadPackagingExpected(
      "requirements",
      "TestRequirementParsing.test_error_when_suffixed_with_line_break[line_break]");
  ASSERT_EQ(breaks.size(), expected.size());
  for (size_t i = 0; i < breaks.size(); ++i) {
    for (const auto& [requirement, facts] : expected[i].at("result").items()) {
      ExpectFacts(requirement + breaks[i][0].get<std::string>(), facts);
    }
  }
}

// Module constants and pair tables: equality as packaging computes it.
TEST(RequirementPackagingTest, Equality) {
  for (const char* table :
       {"EQUAL_DEPENDENCIES", "EQUIVALENT_DEPENDENCIES", "DIFFERENT_DEPENDENCIES"}) {
    SCOPED_TRACE(table);
    json cases = LoadPackagingTable("requirements", table);
    json expected = LoadPackagingExpected("requirements", table);
    ASSERT_EQ(cases.size(), expected.size());
    for (size_t i = 0; i < cases.size(); ++i) {
      std::string a = cases[i][0][0].get<std::string>();
      std::string b = cases[i][0][1].get<std::string>();
      const json& result = expected[i].at("result");
      ExpectFacts(a, result.at("a"));
      ExpectFacts(b, result.at("b"));
      Result<Requirement> ra = Requirement::Parse(a);
      Result<Requirement> rb = Requirement::Parse(b);
      ASSERT_TRUE(ra.ok() && rb.ok());
      EXPECT_EQ(*ra == *rb, result.at("equal").get<bool>()) << a << " vs " << b;
    }
  }
  for (const char* table :
       {"TestRequirementBehaviour.test_different_reqs_different_hashes",
        "TestRequirementBehaviour.test_equal_reqs_equal_hashes",
        "TestRequirementBehaviour.test_equivalent_reqs_equal_hashes_unequal_strings",
        "test_normalized_requirements"}) {
    SCOPED_TRACE(table);
    json cases = LoadPackagingTable("requirements", table);
    json expected = LoadPackagingExpected("requirements", table);
    for (size_t i = 0; i < cases.size(); ++i) {
      Result<Requirement> ra = Requirement::Parse(cases[i][0].get<std::string>());
      Result<Requirement> rb = Requirement::Parse(cases[i][1].get<std::string>());
      ASSERT_TRUE(ra.ok() && rb.ok()) << cases[i].dump();
      const json& result = expected[i].at("result");
      bool equal = result.is_boolean() ? result.get<bool>() : result.at("equal").get<bool>();
      EXPECT_EQ(*ra == *rb, equal) << cases[i].dump();
    }
  }
}

// The two error tables hold only the operator; the body builds the input
// and pins packaging's caret (redone here with positions).
TEST(RequirementPackagingTest, SpecifierSuffixErrors) {
  for (const json& row : LoadPackagingTable(
           "requirements",
           "TestRequirementParsing.test_error_when_prefix_match_uses_post_release")) {
    std::string op = row[0].get<std::string>();
    std::string input = "name " + op + " 1.2.3.post4.*";
    Result<Requirement> r = Requirement::Parse(input);
    ASSERT_FALSE(r.ok()) << input;
    EXPECT_EQ(PositionOf(r.error().message()), 5 + op.size() + 13) << r.error().message();
    EXPECT_NE(
        r.error().message().find("cannot follow a pre-release, post-release, dev or local version"),
        std::string::npos);
  }
  for (const json& row : LoadPackagingTable(
           "requirements",
           "TestRequirementParsing.test_error_when_local_version_label_is_used_incorrectly")) {
    std::string op = row[0].get<std::string>();
    std::string input = "name " + op + " 1.0+local.version.label";
    Result<Requirement> r = Requirement::Parse(input);
    ASSERT_FALSE(r.ok()) << input;
    EXPECT_EQ(PositionOf(r.error().message()), 5 + op.size() + 4) << r.error().message();
    EXPECT_NE(r.error().message().find("a local version label can only be used with == and !="),
              std::string::npos);
  }
}

// Every table of the fixture file is either run above or listed here with
// the reason it is not (docs/spec-markers.md, "Differences"), so a new table
// in a re-extraction cannot go unnoticed.
void ExpectEveryTableAccountedFor(const char* file, const std::set<std::string>& run,
                                  const std::map<std::string, std::string>& not_run) {
  const json& doc = sparkenv::testing::LoadPackagingFile(file);
  ASSERT_FALSE(doc.is_null());
  size_t cases = 0;
  for (const auto& [name, table] : doc.at("tables").items()) {
    bool is_run = run.count(name) > 0;
    bool is_listed = not_run.count(name) > 0;
    EXPECT_TRUE(is_run != is_listed)
        << file << ": table '" << name << "' is "
        << (is_run ? "both run and listed as not run" : "neither run nor listed");
    if (is_run) {
      cases += table.at("cases").size();
    }
  }
  for (const auto& name : run) {
    EXPECT_TRUE(doc.at("tables").contains(name)) << name;
  }
  for (const auto& [name, why] : not_run) {
    EXPECT_TRUE(doc.at("tables").contains(name)) << name;
  }
  std::cout << "[ fixtures ] " << file << ".json: " << run.size() << " tables run (" << cases
            << " cases), " << not_run.size() << " not run by name\n";
}

TEST(RequirementPackagingTest, EveryTableIsRunOrListed) {
  ExpectEveryTableAccountedFor(
      "requirements",
      {"test_basic_valid_requirement_parsing", "TestRequirementBehaviour.test_str_and_repr",
       "TestRequirementParsing.test_error_invalid_marker_malformed_quoted_string",
       "test_normalized_requirements", "test_pickle_requirement_roundtrip",
       "test_pickle_requirement_setstate_rejects_invalid_string",
       "TestRequirementBehaviour.test_different_reqs_different_hashes",
       "TestRequirementBehaviour.test_equal_reqs_equal_hashes",
       "TestRequirementBehaviour.test_equivalent_reqs_equal_hashes_unequal_strings",
       "TestRequirementParsing.test_file_url",
       "TestRequirementParsing.test_trailing_horizontal_whitespace",
       "TestRequirementParsing.test_valid_marker",
       "TestRequirementParsing.test_error_when_suffixed_with_line_break[line_break]",
       "EQUAL_DEPENDENCIES", "EQUIVALENT_DEPENDENCIES", "DIFFERENT_DEPENDENCIES",
       "TestRequirementParsing.test_error_when_prefix_match_uses_post_release",
       "TestRequirementParsing.test_error_when_local_version_label_is_used_incorrectly"},
      {{"test_basic_valid_requirement_parsing[name]", "input of the product table"},
       {"test_basic_valid_requirement_parsing[extras]", "input of the product table"},
       {"test_basic_valid_requirement_parsing[url,specifier]", "input of the product table"},
       {"test_basic_valid_requirement_parsing[marker]", "input of the product table"},
       {"test_basic_valid_requirement_parsing[whitespace]", "input of the product table"},
       {"TestRequirementBehaviour.test_str_and_repr[extras]", "input of the product table"},
       {"TestRequirementBehaviour.test_str_and_repr[url_or_specifier]",
        "input of the product table"},
       {"TestRequirementBehaviour.test_str_and_repr[marker]", "input of the product table"},
       {"TestRequirementParsing.test_error_when_suffixed_with_line_break[requirement]",
        "input of the [line_break] table"},
       {"test_pickle_requirement_preserves_prereleases", "Python pickling"}});
}

}  // namespace
}  // namespace sparkenv::spec
