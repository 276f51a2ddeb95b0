// Runs every marker case of pypa/packaging 26.3's tests/test_markers.py
// (extracted into tests/fixtures/packaging/markers.json) against
// sparkenv::spec::Marker. Deliberate differences are listed in
// docs/spec-markers.md and skipped here by table name.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "spec/marker.h"
#include "tests/spec/packaging_fixtures.h"

namespace sparkenv::spec {
namespace {

using nlohmann::json;
using sparkenv::testing::LoadPackagingExpected;
using sparkenv::testing::LoadPackagingFile;
using sparkenv::testing::LoadPackagingTable;

// Where packaging's error points: the '^' of the last line of its message.
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

// Our messages end in "at position N".
std::optional<size_t> PositionOf(const std::string& message) {
  static const std::regex kAt(" at position ([0-9]+)$");
  std::smatch m;
  if (!std::regex_search(message, m, kAt)) {
    return std::nullopt;
  }
  return std::stoul(m[1].str());
}

// Checks Marker::Parse(input) against packaging's facts {valid, str} or
// {valid: false, message}: same verdict, same printed form, same error
// position.
void ExpectFacts(const std::string& input, const json& facts) {
  SCOPED_TRACE("marker: " + input);
  Result<Marker> m = Marker::Parse(input);
  if (facts.at("valid").get<bool>()) {
    ASSERT_TRUE(m.ok()) << m.error().message();
    EXPECT_EQ(m->ToString(), facts.at("str").get<std::string>());
    Result<Marker> again = Marker::Parse(m->ToString());
    ASSERT_TRUE(again.ok()) << again.error().message();
    EXPECT_EQ(again->ToString(), m->ToString());
    return;
  }
  ASSERT_FALSE(m.ok()) << "parsed as " << m->ToString();
  std::optional<size_t> caret = CaretOf(facts.at("message").get<std::string>());
  if (caret) {
    EXPECT_EQ(PositionOf(m.error().message()), caret) << m.error().message();
  }
}

// Tables whose expectation holds facts per argument ("marker args: ...").
TEST(MarkerPackagingTest, ParseAndStrTables) {
  for (const char* table :
       {"TestMarker.test_parses_valid", "TestMarker.test_parses_pep345_valid",
        "TestMarker.test_parses_setuptools_legacy_valid", "TestMarker.test_parses_invalid",
        "TestMarker.test_parses_invalid_malformed_quoted_string",
        "TestMarker.test_str_repr_eq_hash", "TestMarker.test_different_markers_different_hashes",
        "TestMarker.test_evaluates", "TestMarker.test_evaluate_pep345_markers",
        "TestMarker.test_version_like_equality", "test_pickle_marker_roundtrip"}) {
    SCOPED_TRACE(table);
    const json& t = sparkenv::testing::LoadPackagingTableObject("markers", table);
    json cases = LoadPackagingTable("markers", table);
    json expected = LoadPackagingExpected("markers", table);
    ASSERT_EQ(cases.size(), expected.size());
    ASSERT_GT(cases.size(), 0u);
    const json& argnames = t.at("argnames");
    for (size_t i = 0; i < cases.size(); ++i) {
      for (size_t a = 0; a < argnames.size(); ++a) {
        std::string arg = argnames[a].get<std::string>();
        if (expected[i].contains(arg) && cases[i][a].is_string()) {
          ExpectFacts(cases[i][a].get<std::string>(), expected[i][arg]);
        }
      }
    }
  }
}

TEST(MarkerPackagingTest, StrReprEqHash) {
  // Marker(input) == Marker(expected) and prints as expected.
  for (const json& row : LoadPackagingTable("markers", "TestMarker.test_str_repr_eq_hash")) {
    Result<Marker> a = Marker::Parse(row[0].get<std::string>());
    Result<Marker> b = Marker::Parse(row[1].get<std::string>());
    ASSERT_TRUE(a.ok() && b.ok()) << row.dump();
    EXPECT_EQ(a->ToString(), row[1].get<std::string>());
    EXPECT_TRUE(*a == *b) << row.dump();
  }
}

TEST(MarkerPackagingTest, DifferentMarkersAreNotEqual) {
  for (const json& row :
       LoadPackagingTable("markers", "TestMarker.test_different_markers_different_hashes")) {
    Result<Marker> a = Marker::Parse(row[0].get<std::string>());
    Result<Marker> b = Marker::Parse(row[1].get<std::string>());
    ASSERT_TRUE(a.ok() && b.ok()) << row.dump();
    EXPECT_FALSE(*a == *b) << row.dump();
  }
}

TEST(MarkerPackagingTest, LineBreaksAndTrailingWhitespace) {
  const std::string base = R"(python_version >= "3")";
  for (const char* table : {"TestMarker.test_parses_invalid_trailing_line_break",
                            "TestMarker.test_parses_trailing_horizontal_whitespace"}) {
    SCOPED_TRACE(table);
    json cases = LoadPackagingTable("markers", table);
    json expected = LoadPackagingExpected("markers", table);
    ASSERT_EQ(cases.size(), expected.size());
    for (size_t i = 0; i < cases.size(); ++i) {
      ExpectFacts(base + cases[i][0].get<std::string>(), expected[i].at("result"));
    }
  }
}

// packaging merges the given environment into default_environment() and
// sets extra to "" (metadata context); we pass "extra" as the requested
// extras instead.
MarkerEnvironment EnvironmentFor(const json& given, std::vector<std::string>* extras) {
  MarkerEnvironment env;
  for (const auto& [k, v] : LoadPackagingFile("markers").at("default_environment").items()) {
    env[k] = v.get<std::string>();
  }
  if (given.is_object()) {
    for (const auto& [k, v] : given.items()) {
      if (k == "extra") {
        if (!v.get<std::string>().empty()) {
          extras->push_back(v.get<std::string>());
        }
      } else {
        env[k] = v.get<std::string>();
      }
    }
  }
  return env;
}

TEST(MarkerPackagingTest, EvaluationTables) {
  for (const char* table : {"TestMarker.test_evaluates", "TestMarker.test_evaluate_pep345_markers",
                            "TestMarker.test_version_like_equality"}) {
    SCOPED_TRACE(table);
    json cases = LoadPackagingTable("markers", table);
    json expected = LoadPackagingExpected("markers", table);
    ASSERT_EQ(cases.size(), expected.size());
    for (size_t i = 0; i < cases.size(); ++i) {
      const std::string text = cases[i][0].get<std::string>();
      SCOPED_TRACE(text);
      std::vector<std::string> extras;
      MarkerEnvironment env = EnvironmentFor(cases[i][1], &extras);
      Result<Marker> m = Marker::Parse(text);
      ASSERT_TRUE(m.ok()) << m.error().message();
      Result<bool> r = m->Evaluate(env, extras);
      ASSERT_TRUE(r.ok()) << r.error().message();
      EXPECT_EQ(*r, expected[i].at("result").get<bool>());
      EXPECT_EQ(*r, cases[i][2].get<bool>());  // the test's own column agrees
    }
  }
}

TEST(MarkerPackagingTest, ExtrasAndDependencyGroups) {
  const char* table = "TestMarker.test_extras_and_dependency_groups[expression,result]";
  json cases = LoadPackagingTable("markers", table);
  json expected = LoadPackagingExpected("markers", table);
  ASSERT_EQ(cases.size(), expected.size());
  std::vector<std::string> variables;
  for (const json& row :
       LoadPackagingTable("markers", "TestMarker.test_extras_and_dependency_groups[variable]")) {
    variables.push_back(row[0].get<std::string>());
  }
  ASSERT_EQ(variables.size(), 2u);
  MarkerEnvironment env;
  for (size_t i = 0; i < cases.size(); ++i) {
    for (const std::string& variable : variables) {
      std::string text =
          std::regex_replace(cases[i][0].get<std::string>(), std::regex(R"(\{0\})"), variable);
      SCOPED_TRACE(text);
      Result<Marker> m = Marker::Parse(text);
      ASSERT_TRUE(m.ok()) << m.error().message();
      const std::vector<std::string> set = {"foo", "bar"};
      Result<bool> r = variable == "extras" ? m->EvaluateForLockFile(env, set, {})
                                            : m->EvaluateForLockFile(env, {}, set);
      ASSERT_TRUE(r.ok()) << r.error().message();
      EXPECT_EQ(*r, expected[i].at("result").at(variable).at("value").get<bool>());
      EXPECT_EQ(*r, cases[i][1].get<bool>());
    }
  }
}

// Tables without computed expectations: the test bodies' checks, redone.
TEST(MarkerPackagingTest, SetValuedVariablesBodies) {
  MarkerEnvironment env;
  for (const json& row :
       LoadPackagingTable("markers", "TestMarker.test_extras_and_dependency_groups_disallowed")) {
    std::string variable = row[0].get<std::string>();
    Marker m = *Marker::Parse("\"foo\" in " + variable);
    EXPECT_FALSE(*m.EvaluateForLockFile(env, {}, {}));  // lock file: empty sets
    EXPECT_FALSE(m.Evaluate(env).ok());                 // elsewhere: undefined
  }
  for (const json& row :
       LoadPackagingTable("markers", "TestMarker.test_membership_value_str_normalization")) {
    std::string variable = row[0].get<std::string>();
    Marker raw = *Marker::Parse("\"S_P__A_M\" in " + variable);
    EXPECT_EQ(raw.ToString(), "\"s-p-a-m\" in " + variable);
    EXPECT_TRUE(raw == *Marker::Parse("\"s-p-a-m\" in " + variable));
  }
  for (const json& row : LoadPackagingTable(
           "markers", "TestMarker.test_membership_value_str_normalization_negated")) {
    std::string variable = row[0].get<std::string>();
    Marker raw = *Marker::Parse("\"Foo_Bar\" not in " + variable);
    EXPECT_EQ(raw.ToString(), "\"foo-bar\" not in " + variable);
  }
  json ops = LoadPackagingTable(
      "markers", "TestMarker.test_set_valued_marker_on_lhs_raises_undefined_comparison[op]");
  json vars = LoadPackagingTable(
      "markers", "TestMarker.test_set_valued_marker_on_lhs_raises_undefined_comparison[variable]");
  ASSERT_FALSE(ops.empty());
  for (const json& v : vars) {
    for (const json& op : ops) {
      std::string text = v[0].get<std::string>() + " " + op[0].get<std::string>() + " 'foo'";
      Result<Marker> m = Marker::Parse(text);
      ASSERT_TRUE(m.ok()) << text;
      EXPECT_FALSE(m->EvaluateForLockFile(env, {"foo"}, {"foo"}).ok()) << text;
    }
  }
}

TEST(MarkerPackagingTest, ValueSerializationChoosesTheQuote) {
  // TestNode.test_value_serialize_chooses_quote_delimiter, through a marker.
  for (const json& row :
       LoadPackagingTable("markers", "TestNode.test_value_serialize_chooses_quote_delimiter")) {
    std::string value = row[0].get<std::string>();
    std::string quoted =
        value.find('\'') == std::string::npos ? "'" + value + "'" : "\"" + value + "\"";
    Result<Marker> m = Marker::Parse("os_name == " + quoted);
    ASSERT_TRUE(m.ok()) << value;
    EXPECT_EQ(m->ToString(), "os_name == " + row[1].get<std::string>());
  }
}

TEST(MarkerPackagingTest, ModuleConstantsProductIsParsed) {
  // VARIABLES x OPERATORS x VALUES in both orders is what test_parses_valid
  // and friends expand; check the expansion matches the constants.
  size_t variables = LoadPackagingTable("markers", "VARIABLES").size();
  size_t operators = LoadPackagingTable("markers", "OPERATORS").size();
  size_t values = LoadPackagingTable("markers", "VALUES").size();
  EXPECT_EQ(LoadPackagingTable("markers", "TestMarker.test_parses_valid").size(),
            2 * variables * operators * values);
  EXPECT_EQ(LoadPackagingTable("markers", "TestMarker.test_parses_pep345_valid").size(),
            2 * LoadPackagingTable("markers", "PEP_345_VARIABLES").size() * operators * values);
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

TEST(MarkerPackagingTest, EveryTableIsRunOrListed) {
  ExpectEveryTableAccountedFor(
      "markers",
      {"TestMarker.test_parses_valid", "TestMarker.test_parses_pep345_valid",
       "TestMarker.test_parses_setuptools_legacy_valid", "TestMarker.test_parses_invalid",
       "TestMarker.test_parses_invalid_malformed_quoted_string", "TestMarker.test_str_repr_eq_hash",
       "TestMarker.test_different_markers_different_hashes", "TestMarker.test_evaluates",
       "TestMarker.test_evaluate_pep345_markers", "TestMarker.test_version_like_equality",
       "test_pickle_marker_roundtrip", "TestMarker.test_parses_invalid_trailing_line_break",
       "TestMarker.test_parses_trailing_horizontal_whitespace",
       "TestMarker.test_extras_and_dependency_groups[expression,result]",
       "TestMarker.test_extras_and_dependency_groups_disallowed",
       "TestMarker.test_membership_value_str_normalization",
       "TestMarker.test_membership_value_str_normalization_negated",
       "TestNode.test_value_serialize_chooses_quote_delimiter"},
      {{"TestNode.test_accepts_value", "Python object protocol of packaging's parser nodes"},
       {"TestNode.test_str", "Python object protocol of packaging's parser nodes"},
       {"TestNode.test_repr", "Python object protocol of packaging's parser nodes"},
       {"TestMarker.test_extras_and_dependency_groups[variable]",
        "input of the [expression,result] table"},
       {"TestMarker.test_set_valued_marker_on_lhs_raises_undefined_comparison[op]",
        "inputs, run in SetValuedVariablesBodies"},
       {"TestMarker.test_set_valued_marker_on_lhs_raises_undefined_comparison[variable]",
        "inputs, run in SetValuedVariablesBodies"},
       {"VARIABLES", "expanded in test_parses_valid"},
       {"OPERATORS", "expanded in test_parses_valid"},
       {"VALUES", "expanded in test_parses_valid"},
       {"PEP_345_VARIABLES", "expanded in test_parses_pep345_valid"},
       {"SETUPTOOLS_VARIABLES", "expanded in test_parses_setuptools_legacy_valid"}});
}

}  // namespace
}  // namespace sparkenv::spec
