#include "index/metadata_source.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "http/testdata/fake_client.h"
#include "index/find_links.h"
#include "index/sdist_reader.h"
#include "index/sha256.h"

namespace sparkenv::index {
namespace {

using http::testing::FakeClient;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::string kTestdata = std::string(SPARKENV_SOURCE_DIR) + "/src/index/testdata/";
const std::string kUrl = "https://files.example/example-1.0-py3-none-any.whl";

class MetadataSourceTest : public ::testing::Test {
 protected:
  DistFile Wheel(bool core_metadata, Hashes hashes = {}) {
    auto f = DistFile::Make("example-1.0-py3-none-any.whl", kUrl);
    f->set_core_metadata(core_metadata, std::move(hashes));
    return *f;
  }
  std::string wheel_ = ReadFile(kTestdata + "example-1.0-py3-none-any.whl");
  std::string expected_ = ReadFile(kTestdata + "METADATA.expected");
  FakeClient fake_;
};

TEST_F(MetadataSourceTest, MetadataFileFirstWithItsHashChecked) {
  fake_.File(kUrl, wheel_);
  http::Response meta;
  meta.status = 200;
  meta.body = expected_;
  fake_.Route(kUrl + ".metadata", meta);
  MetadataSource source(fake_);
  auto raw = source.FetchRaw(Wheel(true, {{"sha256", Sha256Hex(expected_)}}));
  ASSERT_TRUE(raw.ok()) << raw.error().message();
  EXPECT_EQ(raw->origin, MetadataOrigin::kMetadataFile);
  EXPECT_EQ(raw->text, expected_);
  EXPECT_EQ(raw->requests, 1);

  auto bad = source.FetchRaw(Wheel(true, {{"sha256", "00"}}));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(),
            "cannot read the metadata of 'example-1.0-py3-none-any.whl' from '" + kUrl +
                "': the sha256 of '" + kUrl + ".metadata' is " + Sha256Hex(expected_) +
                ", the index says 00 (PEP 658)");
}

TEST_F(MetadataSourceTest, RangeRequestsWhenThereIsNoMetadataFile) {
  fake_.File(kUrl, wheel_);
  MetadataSource source(fake_);
  auto raw = source.FetchRaw(Wheel(false));
  ASSERT_TRUE(raw.ok()) << raw.error().message();
  EXPECT_EQ(raw->origin, MetadataOrigin::kRangeRequests);
  EXPECT_EQ(raw->text, expected_);
  EXPECT_EQ(raw->requests, 2);  // the tail, then the member
  auto requests = fake_.requests();
  EXPECT_EQ(http::FindHeader(requests[0].headers, "Range"), "bytes=-65536");

  auto parsed = source.Fetch(Wheel(false));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->name(), "Example");
  EXPECT_EQ(parsed->requires_dist().size(), 2u);
  EXPECT_EQ(parsed->requires_python()->ToString(), ">=3.8");
}

TEST_F(MetadataSourceTest, AMissingMetadataFileFallsBackToRanges) {
  fake_.File(kUrl, wheel_);  // no .metadata route: 404
  MetadataSource source(fake_);
  auto raw = source.FetchRaw(Wheel(true));
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->origin, MetadataOrigin::kRangeRequests);
  EXPECT_EQ(raw->requests, 3);
}

TEST_F(MetadataSourceTest, WholeFileWhenRangesAreIgnored) {
  fake_.File(kUrl, wheel_, /*ranges=*/false);
  MetadataSource source(fake_);
  auto raw = source.FetchRaw(Wheel(false));
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->origin, MetadataOrigin::kWholeFile);
  EXPECT_EQ(raw->text, expected_);
  EXPECT_EQ(raw->requests, 1);

  MetadataSource no_ranges(fake_, {.use_metadata_file = true, .use_range_requests = false});
  auto whole = no_ranges.FetchRaw(Wheel(false));
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->origin, MetadataOrigin::kWholeFile);
  EXPECT_TRUE(fake_.requests().back().headers.empty());
}

TEST_F(MetadataSourceTest, LocalFilesAreReadFromDisk) {
  std::string path = kTestdata + "findlinks/example-1.0-py3-none-any.whl";
  auto file = DistFile::Make("example-1.0-py3-none-any.whl", FileUrl(path));
  MetadataSource source(fake_);
  auto raw = source.FetchRaw(*file);
  ASSERT_TRUE(raw.ok()) << raw.error().message();
  EXPECT_EQ(raw->origin, MetadataOrigin::kLocalFile);
  EXPECT_EQ(raw->text, expected_);
  EXPECT_TRUE(fake_.requests().empty());
}

TEST_F(MetadataSourceTest, ErrorsNameTheFile) {
  MetadataSource source(fake_);
  auto missing = source.FetchRaw(Wheel(false));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(
      missing.error().message(),
      "cannot read the metadata of 'example-1.0-py3-none-any.whl' from '" + kUrl + "': HTTP 404");
  // Metadata naming another project is refused.
  http::Response meta;
  meta.status = 200;
  meta.body = "Metadata-Version: 2.1\nName: other\nVersion: 1.0\n";
  fake_.Route(kUrl + ".metadata", meta);
  auto other = source.Fetch(Wheel(true));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().message(),
            "the metadata of 'example-1.0-py3-none-any.whl' names 'other 1.0', not the file's "
            "'example 1.0'");
}

}  // namespace
}  // namespace sparkenv::index

namespace sparkenv::index {
namespace {

TEST_F(MetadataSourceTest, CachedMetadataServesWarmAndOfflineRuns) {
  std::string root = ::testing::TempDir() + "/sparkenv_metadata_cache_" + std::to_string(getpid());
  std::filesystem::remove_all(root);
  HttpCache cache(root);
  fake_.File(kUrl, wheel_);
  MetadataSource cold(fake_, {.cache = &cache});
  auto first = cold.FetchRaw(Wheel(false));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->origin, MetadataOrigin::kRangeRequests);
  size_t requests = fake_.requests().size();

  auto warm = cold.FetchRaw(Wheel(false));
  ASSERT_TRUE(warm.ok());
  EXPECT_EQ(warm->origin, MetadataOrigin::kCache);
  EXPECT_EQ(warm->text, expected_);
  EXPECT_EQ(fake_.requests().size(), requests);

  MetadataSource offline(fake_, {.cache = &cache, .offline = true});
  EXPECT_EQ(offline.FetchRaw(Wheel(false))->origin, MetadataOrigin::kCache);
  auto other =
      DistFile::Make("example-2.0-py3-none-any.whl", "https://f/example-2.0-py3-none-any.whl");
  auto missing = offline.FetchRaw(*other);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(),
            "cannot read the metadata of 'example-2.0-py3-none-any.whl' from "
            "'https://f/example-2.0-py3-none-any.whl': not in the cache, and offline mode forbids "
            "the network (cache '" +
                root + "/simple-v1')");
  EXPECT_EQ(fake_.requests().size(), requests);
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace sparkenv::index

namespace sparkenv::index {
namespace {

TEST_F(MetadataSourceTest, SdistPkgInfoWhenPep643MakesItReliable) {
  const std::string dir = kTestdata + "sdists/";
  MetadataSource source(fake_);
  for (const char* name : {"example-2.0.tar.gz", "example-2.1.zip"}) {
    auto local = DistFile::Make(name, FileUrl(dir + name));
    auto parsed = source.Fetch(*local);
    ASSERT_TRUE(parsed.ok()) << name << ": " << parsed.error().message();
    EXPECT_EQ(parsed->version(), local->version());
    ASSERT_EQ(parsed->requires_dist().size(), 1u);
    EXPECT_EQ(parsed->requires_dist()[0].ToString(), "six");

    const std::string url = std::string("https://f/") + name;
    fake_.File(url, ReadFile(dir + name), /*ranges=*/false);
    auto remote = source.FetchRaw(*DistFile::Make(name, url));
    ASSERT_TRUE(remote.ok()) << remote.error().message();
    EXPECT_EQ(remote->origin, MetadataOrigin::kWholeFile);
    EXPECT_EQ(remote->text, source.FetchRaw(*local)->text);
  }
  const std::pair<const char*, std::string> refused[] = {
      {"example-0.5.tar.gz",
       "an sdist's metadata needs a build: its PKG-INFO has Metadata-Version '1.1', and only 2.2 "
       "or later is reliable without a build (PEP 643)"},
      {"example-2.2.tar.gz",
       "an sdist's metadata needs a build: its PKG-INFO marks 'Requires-Dist' as Dynamic, so only "
       "a build can tell (PEP 643)"},
  };
  for (const auto& [name, why] : refused) {
    std::string url = FileUrl(dir + name);
    auto raw = source.FetchRaw(*DistFile::Make(name, url));
    ASSERT_FALSE(raw.ok()) << name;
    EXPECT_EQ(raw.error().kind(), ErrorKind::kNotFound);
    EXPECT_EQ(raw.error().message(),
              "cannot read the metadata of '" + std::string(name) + "' from '" + url + "': " + why);
  }
  EXPECT_TRUE(fake_.requests().size() == 2u);
}

TEST(SdistReaderTest, CorruptAndEmptyArchives) {
  EXPECT_EQ(PkgInfoFromTarGz("not gzip").error().message(),
            "invalid sdist archive: gzip data is corrupt");
  std::string archive = ReadFile(kTestdata + "sdists/example-2.0.tar.gz");
  auto truncated = PkgInfoFromTarGz(std::string_view(archive).substr(0, archive.size() / 2));
  ASSERT_TRUE(truncated.ok());
  EXPECT_FALSE(truncated->has_value());
  auto whole = PkgInfoFromTarGz(archive);
  ASSERT_TRUE(whole.ok() && whole->has_value());
  EXPECT_EQ(whole->value().rfind("Metadata-Version: 2.3\nName: example\nVersion: 2.0\n", 0), 0u);
}

}  // namespace
}  // namespace sparkenv::index
