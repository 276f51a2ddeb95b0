#include "index/simple_json.h"

#include <gtest/gtest.h>

namespace sparkenv::index {
namespace {

const char kPage[] = R"({
  "meta": {"api-version": "1.1", "_last-serial": 1},
  "name": "example",
  "versions": ["0.9", "1.0"],
  "files": [
    {"filename": "example-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
     "url": "../../files/example-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
     "hashes": {"sha256": "ABCD"}, "requires-python": ">=3.9", "size": 1234,
     "upload-time": "2024-01-01T00:00:00.000000Z", "yanked": false,
     "core-metadata": {"sha256": "beef"}, "data-dist-info-metadata": {"sha256": "beef"}},
    {"filename": "example-0.9.tar.gz", "url": "https://files.example/example-0.9.tar.gz",
     "hashes": {}, "requires-python": null, "yanked": "security issue"},
    {"filename": "example-0.8.tar.gz", "url": "https://files.example/example-0.8.tar.gz",
     "hashes": {}, "yanked": true, "dist-info-metadata": true},
    {"filename": "example-0.7.tar.gz", "url": "x", "hashes": {}, "size": -1},
    {"url": "no-filename"},
    {"filename": "junk.exe", "url": "junk.exe", "hashes": {}}
  ]
})";

TEST(SimpleJsonTest, ReadsPep691AndPep700Fields) {
  auto page = ParseSimpleJson(kPage, "http://127.0.0.1:18888/simple/example/", "example");
  ASSERT_TRUE(page.ok()) << page.error().message();
  EXPECT_EQ(page->api_version, "1.1");
  EXPECT_EQ(page->versions, (std::vector<std::string>{"0.9", "1.0"}));
  ASSERT_EQ(page->files.size(), 3u);

  const DistFile& wheel = page->files[0];
  EXPECT_EQ(wheel.url(),
            "http://127.0.0.1:18888/files/"
            "example-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
  EXPECT_EQ(wheel.sha256(), "abcd");
  EXPECT_EQ(wheel.requires_python()->ToString(), ">=3.9");
  EXPECT_EQ(wheel.size(), 1234u);
  EXPECT_EQ(wheel.upload_time(), "2024-01-01T00:00:00.000000Z");
  EXPECT_FALSE(wheel.yanked().has_value());
  EXPECT_TRUE(wheel.has_core_metadata());
  EXPECT_EQ(wheel.core_metadata_hashes(), (Hashes{{"sha256", "beef"}}));
  EXPECT_EQ(wheel.wheel()->tags().size(), 2u);

  EXPECT_EQ(page->files[1].yanked(), "security issue");
  EXPECT_FALSE(page->files[1].requires_python().has_value());
  EXPECT_FALSE(page->files[1].has_core_metadata());
  EXPECT_EQ(page->files[2].yanked(), "");
  EXPECT_TRUE(page->files[2].has_core_metadata());

  ASSERT_EQ(page->skipped.size(), 3u);
  EXPECT_EQ(page->skipped[0].filename, "example-0.7.tar.gz");
  EXPECT_EQ(page->skipped[0].reason, "\"size\" is not a non-negative integer");
  EXPECT_EQ(page->skipped[1].filename, "?");
  EXPECT_EQ(page->skipped[1].reason, "a file entry has no string \"filename\"");
  EXPECT_EQ(page->skipped[2].filename, "junk.exe");
}

TEST(SimpleJsonTest, ErrorsNameThePage) {
  const std::string url = "http://h/simple/x/";
  const std::pair<std::string, std::string> cases[] = {
      {"<html>", "invalid JSON project page 'http://h/simple/x/': not JSON (PEP 691)"},
      {"[]", "invalid JSON project page 'http://h/simple/x/': not a JSON object (PEP 691)"},
      {"{\"meta\": {\"api-version\": \"1.0\"}}",
       "invalid JSON project page 'http://h/simple/x/': no \"files\" array (PEP 691)"},
      {"{\"meta\": {}, \"files\": []}",
       "invalid JSON project page 'http://h/simple/x/': \"meta\" has no string "
       "\"api-version\" (PEP 691)"},
      {"{\"meta\": {\"api-version\": \"2.0\"}, \"files\": []}",
       "unsupported simple repository API version '2.0' at 'http://h/simple/x/': sparkenv "
       "reads version 1.x (PEP 629)"},
      {std::string(100, '[') + std::string(100, ']'),
       "invalid JSON project page 'http://h/simple/x/': nested deeper than 64 levels (PEP 691)"},
      // One level past the limit, inside a page that is otherwise valid.
      {R"({"files": [], "x": )" + std::string(64, '[') + std::string(64, ']') + "}",
       "invalid JSON project page 'http://h/simple/x/': nested deeper than 64 levels (PEP 691)"},
  };
  for (const auto& [text, want] : cases) {
    auto page = ParseSimpleJson(text, url, "x");
    ASSERT_FALSE(page.ok()) << text;
    EXPECT_EQ(page.error().message(), want);
  }
}

TEST(SimpleJsonTest, SixtyFourLevelsAreAccepted) {
  // The page object, then 63 arrays: 64 levels.
  std::string text = R"({"files": [], "x": )" + std::string(63, '[') + std::string(63, ']') + "}";
  auto page = ParseSimpleJson(text, "http://h/simple/x/", "x");
  ASSERT_TRUE(page.ok()) << page.error().message();
  EXPECT_TRUE(page->files.empty());
}

TEST(SimpleJsonTest, TheDepthLimitHoldsAfterTheParserGrows) {
  // A page bigger than the parser's first buffers, then a too-deep one.
  std::string big = R"({"files": [], "pad": ")" + std::string(1 << 20, 'a') + "\"}";
  ASSERT_TRUE(ParseSimpleJson(big, "http://h/simple/x/", "x").ok());
  std::string deep = R"({"files": [], "x": )" + std::string(64, '[') + std::string(64, ']') + "}";
  auto page = ParseSimpleJson(deep, "http://h/simple/x/", "x");
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(
      page.error().message(),
      "invalid JSON project page 'http://h/simple/x/': nested deeper than 64 levels (PEP 691)");
}

TEST(SimpleJsonTest, NewerMinorVersionIsAccepted) {
  auto page = ParseSimpleJson(R"({"meta": {"api-version": "1.4"}, "files": []})",
                              "http://h/simple/x/", "x");
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->api_version, "1.4");
}

}  // namespace
}  // namespace sparkenv::index
