// Test tables of pypa/packaging's test-suite, extracted as JSON into
// tests/fixtures/packaging/ (see the README there for the format).
//
//   for (const auto& c : sparkenv::testing::LoadPackagingTable(
//            "version", "TestVersion.test_normalized_versions")) {
//     std::string input = c[0], normalized = c[1];
//     ...
//   }
//
// Header-only, for tests only. A missing or unreadable file, or a missing
// table, is reported as a GoogleTest failure of the calling test (naming the
// file and table) and an empty array is returned, so the caller's loop simply
// does nothing and the test fails.
#ifndef SPARKENV_TESTS_SPEC_PACKAGING_FIXTURES_H_
#define SPARKENV_TESTS_SPEC_PACKAGING_FIXTURES_H_

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>

#ifndef SPARKENV_SOURCE_DIR
#error "SPARKENV_SOURCE_DIR must be defined (the CMake test target defines it)"
#endif

namespace sparkenv::testing {

// The folder holding the packaging fixtures.
inline std::string PackagingFixtureDir() {
  return std::string(SPARKENV_SOURCE_DIR) + "/tests/fixtures/packaging";
}

// `file` is "version", "specifiers", ... with or without ".json".
inline std::string PackagingFixturePath(std::string_view file) {
  std::string path = PackagingFixtureDir() + "/" + std::string(file);
  if (path.size() < 5 || path.compare(path.size() - 5, 5, ".json") != 0) {
    path += ".json";
  }
  return path;
}

// The whole document of one fixture file ({"packaging_version", "source",
// "tables", ...}); parsed once per file and process. Null (and a test
// failure) if the file is missing or not JSON.
inline const nlohmann::json& LoadPackagingFile(std::string_view file) {
  static std::map<std::string, nlohmann::json>* cache =
      new std::map<std::string, nlohmann::json>();
  static const nlohmann::json kNull;
  const std::string path = PackagingFixturePath(file);
  auto it = cache->find(path);
  if (it != cache->end()) return it->second;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "packaging fixture file '" << path
                  << "' is missing: re-run tests/fixtures/packaging/extract.py";
    return kNull;
  }
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json doc = nlohmann::json::parse(text.str(), nullptr,
                                             /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("tables")) {
    ADD_FAILURE() << "packaging fixture file '" << path
                  << "' is not a fixture document (JSON object with 'tables')";
    return kNull;
  }
  return cache->emplace(path, std::move(doc)).first->second;
}

// One table object: {"kind", "argnames", "cases", and where computed
// "expected" (parallel to "cases") / "expected_all", "expected_doc"}.
// Null (and a test failure) if the file or the table is missing.
inline const nlohmann::json& LoadPackagingTableObject(std::string_view file,
                                                      std::string_view table) {
  static const nlohmann::json kNull;
  const nlohmann::json& doc = LoadPackagingFile(file);
  if (doc.is_null()) return kNull;
  const nlohmann::json& tables = doc["tables"];
  auto it = tables.find(std::string(table));
  if (it == tables.end() || !it->is_object() || !it->contains("cases")) {
    ADD_FAILURE() << "packaging fixture table '" << table << "' is missing from '"
                  << PackagingFixturePath(file)
                  << "': re-run tests/fixtures/packaging/extract.py";
    return kNull;
  }
  return *it;
}

// The cases of one table: an array of rows, each an array with one value per
// argname. Empty array (and a test failure) if the file or table is missing.
inline nlohmann::json LoadPackagingTable(std::string_view file,
                                         std::string_view table) {
  const nlohmann::json& t = LoadPackagingTableObject(file, table);
  if (t.is_null()) return nlohmann::json::array();
  return t["cases"];
}

// The computed expectations of one table, parallel to its cases. Empty array
// (and a test failure) if the table has none.
inline nlohmann::json LoadPackagingExpected(std::string_view file,
                                            std::string_view table) {
  const nlohmann::json& t = LoadPackagingTableObject(file, table);
  if (t.is_null()) return nlohmann::json::array();
  if (!t.contains("expected")) {
    ADD_FAILURE() << "packaging fixture table '" << table << "' in '"
                  << PackagingFixturePath(file) << "' has no computed 'expected'";
    return nlohmann::json::array();
  }
  return t["expected"];
}

}  // namespace sparkenv::testing

#endif  // SPARKENV_TESTS_SPEC_PACKAGING_FIXTURES_H_
