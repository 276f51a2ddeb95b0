// Runs the core-metadata tables of pypa/packaging 26.3's
// tests/test_metadata.py (extracted into tests/fixtures/packaging/
// metadata.json; inputs only) against sparkenv::spec::Metadata, redoing each
// test body's check on an RFC 822 document built around the case. Tables
// about fields sparkenv does not validate or about writing metadata are
// skipped by name; docs/spec-markers.md lists them with the reason.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/strings.h"
#include "spec/metadata.h"
#include "tests/spec/packaging_fixtures.h"

namespace sparkenv::spec {
namespace {

using nlohmann::json;
using sparkenv::testing::LoadPackagingTable;

// packaging's RawMetadata keys -> core metadata field names.
const std::map<std::string, std::string>& RawToField() {
  static const std::map<std::string, std::string> kMap = {
      {"author", "Author"},
      {"author_email", "Author-Email"},
      {"classifiers", "Classifier"},
      {"description", "Description"},
      {"description_content_type", "Description-Content-Type"},
      {"download_url", "Download-URL"},
      {"dynamic", "Dynamic"},
      {"home_page", "Home-Page"},
      {"import_names", "Import-Name"},
      {"import_namespaces", "Import-Namespace"},
      {"keywords", "Keywords"},
      {"license", "License"},
      {"license_expression", "License-Expression"},
      {"license_files", "License-File"},
      {"maintainer", "Maintainer"},
      {"maintainer_email", "Maintainer-Email"},
      {"metadata_version", "Metadata-Version"},
      {"name", "Name"},
      {"obsoletes", "Obsoletes"},
      {"obsoletes_dist", "Obsoletes-Dist"},
      {"platforms", "Platform"},
      {"project_urls", "Project-URL"},
      {"provides", "Provides"},
      {"provides_dist", "Provides-Dist"},
      {"provides_extra", "Provides-Extra"},
      {"requires", "Requires"},
      {"requires_dist", "Requires-Dist"},
      {"requires_external", "Requires-External"},
      {"requires_python", "Requires-Python"},
      {"summary", "Summary"},
      {"supported_platforms", "Supported-Platform"},
      {"version", "Version"},
  };
  return kMap;
}

std::string Field(const json& raw_name) {
  auto it = RawToField().find(raw_name.get<std::string>());
  EXPECT_NE(it, RawToField().end()) << raw_name;
  return it == RawToField().end() ? raw_name.get<std::string>() : it->second;
}

// The single-use fields sparkenv validates (and so refuses twice).
const std::set<std::string> kValidatedSingle = {
    "Metadata-Version", "Name", "Version", "Summary", "Description", "Requires-Python"};

bool StartsWithDescription(const std::string& given) {
  return given.size() >= 12 && EqualsIgnoreCaseAscii(given.substr(0, 12), "description:");
}

// "metadata-version" -> "metadata_version"
std::string ToRawKey(std::string field) {
  for (char& c : field) {
    c = c == '-' ? '_' : c;
  }
  return field;
}

// _RAW_EXAMPLE as headers.
std::string Example() {
  std::string out;
  for (const json& row : LoadPackagingTable("metadata", "_RAW_EXAMPLE")) {
    out += Field(row[0]) + ": " + row[1].get<std::string>() + "\n";
  }
  return out;
}

TEST(MetadataPackagingTest, HeaderFieldsOnceAndRepeated) {
  for (const char* table : {"TestRawMetadata.test_non_repeating_fields_only_once",
                            "TestRawMetadata.test_repeating_fields_only_once"}) {
    for (const json& row : LoadPackagingTable("metadata", table)) {
      std::string field = Field(row[0]);
      MetadataHeaders h = MetadataHeaders::Parse(field + ": VaLuE");
      EXPECT_EQ(h.GetAll(field), std::vector<std::string>{"VaLuE"}) << field;
      EXPECT_EQ(h.headers.size(), 1u);
    }
  }
  for (const json& row :
       LoadPackagingTable("metadata", "TestRawMetadata.test_repeating_fields_repeated")) {
    std::string field = Field(row[0]);
    const std::string line = field + ": VaLuE";
    MetadataHeaders h = MetadataHeaders::Parse(line + "\n" + line);
    EXPECT_EQ(h.GetAll(field), (std::vector<std::string>{"VaLuE", "VaLuE"})) << field;
  }
  size_t refused = 0;
  for (const json& row :
       LoadPackagingTable("metadata", "TestRawMetadata.test_non_repeating_fields_repeated")) {
    std::string field = Field(row[0]);
    if (kValidatedSingle.count(field) == 0) {
      continue;  // not validated (docs/spec-markers.md)
    }
    const std::string line = field + ": VaLuE\n";
    std::string text = "Metadata-Version: 2.6\nName: packaging\nVersion: 1.0\n";
    text += line;
    text += line;
    if (field == "Metadata-Version" || field == "Name" || field == "Version") {
      text = Example() + field + ": VaLuE\n";  // the example's value and a second one
    }
    Result<Metadata> m = Metadata::Parse(text);
    ASSERT_FALSE(m.ok()) << field;
    EXPECT_NE(m.error().message().find(field + " appears 2 times"), std::string::npos)
        << m.error().message();
    ++refused;
  }
  EXPECT_EQ(refused, kValidatedSingle.size());
}

TEST(MetadataPackagingTest, Description) {
  for (const json& row : LoadPackagingTable("metadata", "TestRawMetadata.test_description")) {
    std::string given =
        row[0].is_string() ? row[0].get<std::string>() : row[0].at("value").get<std::string>();
    Result<Metadata> m =
        Metadata::Parse(Example() + (StartsWithDescription(given) ? "" : "\n") + given);
    ASSERT_TRUE(m.ok()) << m.error().message();
    EXPECT_EQ(m->description().value_or("<none>"), "hello") << given;
  }
  for (const json& row :
       LoadPackagingTable("metadata", "TestRawMetadata.test_description_multiple")) {
    Result<Metadata> m = Metadata::Parse(Example() + row[0].get<std::string>());
    EXPECT_FALSE(m.ok()) << row[0];
  }
}

TEST(MetadataPackagingTest, RequiredFields) {
  json example = LoadPackagingTable("metadata", "_RAW_EXAMPLE");
  ASSERT_TRUE(Metadata::Parse(Example()).ok());
  for (const json& row :
       LoadPackagingTable("metadata", "TestMetadata.test_required_fields_missing")) {
    std::string missing = row[0].get<std::string>();
    std::string text;
    for (const json& e : example) {
      if (e[0].get<std::string>() != missing) {
        text += Field(e[0]) + ": " + e[1].get<std::string>() + "\n";
      }
    }
    Result<Metadata> m = Metadata::Parse(text);
    ASSERT_FALSE(m.ok()) << missing;
    EXPECT_EQ(m.error().message(), "invalid metadata: missing required field " + Field(row[0]));
  }
  for (const json& row : LoadPackagingTable(
           "metadata", "TestMetadata.test_from_email_deduplicates_unparsed_required_fields")) {
    Result<Metadata> m = Metadata::Parse(row[0].get<std::string>());
    ASSERT_FALSE(m.ok()) << row[0];
    EXPECT_NE(m.error().message().find(Field(json(ToRawKey(row[1].get<std::string>()))) +
                                       " appears 2 times"),
              std::string::npos)
        << m.error().message();
  }
}

TEST(MetadataPackagingTest, MetadataVersions) {
  for (const json& row :
       LoadPackagingTable("metadata", "TestMetadata.test_valid_metadata_version")) {
    std::string v = row[0].get<std::string>();
    Result<Metadata> m =
        Metadata::Parse("Metadata-Version: " + v + "\nName: packaging\nVersion: 2023.0.0\n");
    ASSERT_TRUE(m.ok()) << m.error().message();
    EXPECT_EQ(m->metadata_version(), v);
  }
  for (const json& row :
       LoadPackagingTable("metadata", "TestMetadata.test_invalid_metadata_version")) {
    std::string v = row[0].get<std::string>();
    if (v == "2.0") {
      continue;  // accepted on purpose (docs/spec-markers.md)
    }
    EXPECT_FALSE(
        Metadata::Parse("Metadata-Version: " + v + "\nName: packaging\nVersion: 2023.0.0\n").ok())
        << v;
  }
  for (const json& row :
       LoadPackagingTable("metadata", "TestMetadata.test_metadata_version_field_introduction")) {
    std::string text = "Metadata-Version: " + row[0].get<std::string>() +
                       "\nName: packaging\nVersion: 2023.0.0\nDynamic: Obsoletes-Dist\n";
    Result<Metadata> m = Metadata::Parse(text);
    ASSERT_TRUE(m.ok()) << m.error().message();
    EXPECT_EQ(m->dynamic(), std::vector<std::string>{"obsoletes-dist"});
  }
  for (const json& row : LoadPackagingTable(
           "metadata", "TestMetadata.test_metadata_version_field_introduction_mismatch")) {
    std::string text = "Metadata-Version: " + row[0].get<std::string>() +
                       "\nName: packaging\nVersion: 2023.0.0\nDynamic: Obsoletes-Dist\n";
    EXPECT_FALSE(Metadata::Parse(text).ok()) << text;
  }
}

TEST(MetadataPackagingTest, ValidatedFields) {
  for (const json& row : LoadPackagingTable("metadata", "TestMetadata.test_invalid_summary")) {
    std::string summary = row[0].get<std::string>();
    if (summary.find('\r') != std::string::npos) {
      continue;  // not expressible in a file (docs/spec-markers.md)
    }
    Result<Metadata> m = Metadata::Parse(Example() + "Summary: " + summary + "\n");
    ASSERT_FALSE(m.ok()) << summary;
    EXPECT_NE(m.error().message().find("must be a single line"), std::string::npos)
        << m.error().message();
  }
  for (const json& row :
       LoadPackagingTable("metadata", "TestMetadata.test_valid_requires_python")) {
    Result<Metadata> m =
        Metadata::Parse(Example() + "Requires-Python: " + row[0].get<std::string>() + "\n");
    ASSERT_TRUE(m.ok()) << m.error().message();
    EXPECT_TRUE(m->requires_python().has_value());
  }
  for (const json& row : LoadPackagingTable("metadata", "TestMetadata.test_disallowed_dynamic")) {
    std::string field = row[0].get<std::string>();
    Result<Metadata> m = Metadata::Parse(Example() + "Dynamic: " + field + "\n");
    ASSERT_FALSE(m.ok()) << field;
    EXPECT_EQ(m.error().message(), "invalid metadata: Dynamic '" + field +
                                       "': Name, Version and Metadata-Version cannot be dynamic");
  }
}

TEST(MetadataPackagingTest, OptionalAndUnvalidatedFields) {
  Result<Metadata> m = Metadata::Parse(Example());
  ASSERT_TRUE(m.ok());
  for (const json& row :
       LoadPackagingTable("metadata", "TestMetadata.test_optional_defaults_to_none")) {
    EXPECT_TRUE(m->raw().GetAll(Field(row[0])).empty()) << row[0];
  }
  EXPECT_FALSE(m->summary().has_value());
  EXPECT_FALSE(m->description().has_value());
  EXPECT_FALSE(m->requires_python().has_value());
  EXPECT_TRUE(m->requires_dist().empty());
  EXPECT_TRUE(m->provides_extra().empty());
  EXPECT_TRUE(m->dynamic().empty());
  for (const json& row :
       LoadPackagingTable("metadata", "TestMetadata.test_single_value_unvalidated_attribute")) {
    std::string field = Field(row[0]);
    Result<Metadata> with = Metadata::Parse(Example() + field + ": Not important\n");
    ASSERT_TRUE(with.ok()) << with.error().message();
    EXPECT_EQ(with->raw().GetAll(field), std::vector<std::string>{"Not important"});
  }
  for (const json& row :
       LoadPackagingTable("metadata", "TestMetadata.test_multi_value_unvalidated_attribute")) {
    std::string field = Field(row[0]);
    std::string text = Example();
    text += field + ": Not important\n";
    text += field + ": Still not important\n";
    Result<Metadata> with = Metadata::Parse(text);
    ASSERT_TRUE(with.ok()) << with.error().message();
    EXPECT_EQ(with->raw().GetAll(field),
              (std::vector<std::string>{"Not important", "Still not important"}));
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

TEST(MetadataPackagingTest, EveryTableIsRunOrListed) {
  const std::string unvalidated =
      "field not validated by sparkenv (docs/spec-markers.md, Leniency)";
  ExpectEveryTableAccountedFor(
      "metadata",
      {"TestRawMetadata.test_non_repeating_fields_only_once",
       "TestRawMetadata.test_repeating_fields_only_once",
       "TestRawMetadata.test_repeating_fields_repeated",
       "TestRawMetadata.test_non_repeating_fields_repeated", "TestRawMetadata.test_description",
       "TestRawMetadata.test_description_multiple", "_RAW_EXAMPLE",
       "TestMetadata.test_required_fields_missing",
       "TestMetadata.test_from_email_deduplicates_unparsed_required_fields",
       "TestMetadata.test_valid_metadata_version", "TestMetadata.test_invalid_metadata_version",
       "TestMetadata.test_metadata_version_field_introduction",
       "TestMetadata.test_metadata_version_field_introduction_mismatch",
       "TestMetadata.test_invalid_summary", "TestMetadata.test_valid_requires_python",
       "TestMetadata.test_disallowed_dynamic", "TestMetadata.test_optional_defaults_to_none",
       "TestMetadata.test_single_value_unvalidated_attribute",
       "TestMetadata.test_multi_value_unvalidated_attribute"},
      {{"TestRawMetadata.test_description_multipart_payload",
        "MIME multipart bodies are not interpreted"},
       {"TestRawMetadata.test_keywords", unvalidated},
       {"TestRawMetadata.test_project_urls_parsing", unvalidated},
       {"TestMetadata.test_valid_description_content_type", unvalidated},
       {"TestMetadata.test_invalid_description_content_type", unvalidated},
       {"TestMetadata.test_from_email_wraps_description_content_type_parse_errors", unvalidated},
       {"TestMetadata.test_valid_license_expression", unvalidated},
       {"TestMetadata.test_invalid_license_expression", unvalidated},
       {"TestMetadata.test_valid_license_files", unvalidated},
       {"TestMetadata.test_invalid_license_files", unvalidated},
       {"TestMetadata.test_valid_import_names", unvalidated},
       {"TestMetadata.test_invalid_import_names_identifier[key]", unvalidated},
       {"TestMetadata.test_invalid_import_names_identifier[name]", unvalidated},
       {"TestMetadata.test_invalid_import_names_keyword", unvalidated},
       {"TestMetadataWriting.test_headers", "sparkenv does not write metadata"},
       {"TestMetadataWriting.test_headers_fold_every_line_boundary",
        "sparkenv does not write metadata"}});
}

}  // namespace
}  // namespace sparkenv::spec
