#include "resolve/index_provider.h"

#include <gtest/gtest.h>

#include "http/testdata/fake_client.h"

namespace sparkenv::resolve {
namespace {

http::Response JsonPage(const std::string& body) {
  http::Response r;
  r.status = 200;
  r.headers = {{"content-type", "application/vnd.pypi.simple.v1+json"}};
  r.body = body;
  return r;
}

spec::Target Cp311() {
  spec::TargetOptions o;
  o.python = "3.11";
  o.platforms = {"manylinux_2_28_x86_64"};
  return *spec::Target::FromOptions(o);
}

class IndexProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Versions 1.0 (two wheels and an sdist), 2.0 (a wheel that needs
    // Python >= 3.12), 3.0a1 (a pre-release) and "1.0.0" (a second spelling
    // of 1.0 whose file must merge into it).
    fake_.Route("https://i.example/simple/a/", JsonPage(R"({"meta": {"api-version": "1.1"},
      "name": "a", "files": [
      {"filename": "a-1.0-py3-none-any.whl", "url": "/f/a-1.0-py3-none-any.whl",
       "hashes": {"sha256": "11"}, "core-metadata": true},
      {"filename": "a-1.0-cp311-cp311-manylinux_2_17_x86_64.whl",
       "url": "/f/a-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", "hashes": {"sha256": "12"},
       "core-metadata": true},
      {"filename": "a-1.0.tar.gz", "url": "/f/a-1.0.tar.gz", "hashes": {}},
      {"filename": "a-1.0.0-py2-none-any.whl", "url": "/f/a-1.0.0-py2-none-any.whl",
       "hashes": {}, "yanked": "broken"},
      {"filename": "a-2.0-py3-none-any.whl", "url": "/f/a-2.0-py3-none-any.whl",
       "hashes": {}, "requires-python": ">=3.12", "core-metadata": true},
      {"filename": "a-3.0a1-py3-none-any.whl", "url": "/f/a-3.0a1-py3-none-any.whl",
       "hashes": {}, "core-metadata": true}]})"));
    for (const char* file :
         {"a-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", "a-1.0-py3-none-any.whl",
          "a-2.0-py3-none-any.whl", "a-3.0a1-py3-none-any.whl"}) {
      std::string name(file);
      std::string version = name.substr(2, name.find('-', 2) - 2);
      fake_.File("https://i.example/f/" + name + ".metadata",
                 "Metadata-Version: 2.1\nName: a\nVersion: " + version +
                     "\nRequires-Dist: b>=1; extra == 'x'\nProvides-Extra: X\n");
    }
  }

  int MetadataRequests() {
    int n = 0;
    for (const auto& r : fake_.requests()) n += r.url.find(".metadata") != std::string::npos;
    return n;
  }

  http::testing::FakeClient fake_;
  index::IndexOptions options_{{"https://i.example/simple/"}, {}};
};

TEST_F(IndexProviderTest, ListsVersionsWithFilesMergedAndDescribed) {
  index::IndexClient client(fake_, options_);
  index::MetadataSource metadata(fake_);
  IndexProvider provider(client, metadata, Cp311(), /*workers=*/0);
  auto versions = provider.ListVersions("a");
  ASSERT_TRUE(versions.ok()) << versions.error().message();
  ASSERT_EQ(versions->versions.size(), 3u);
  const CandidateVersion& one = versions->versions[0];
  EXPECT_EQ(one.version.ToString(), "1.0");
  ASSERT_EQ(one.files.size(), 4u);
  EXPECT_TRUE(one.files[0].is_wheel);
  EXPECT_EQ(one.files[0].sha256, "11");
  EXPECT_FALSE(one.files[2].is_wheel);
  EXPECT_TRUE(one.files[3].yanked);
  EXPECT_EQ(one.files[3].yanked_reason, "broken");
  EXPECT_EQ(versions->versions[1].files[0].requires_python->ToString(), ">=3.12");
  EXPECT_EQ(provider.PageUrl("a"), "https://i.example/simple/a/");
  const index::DistFile* f = provider.FindFile("a", "https://i.example/f/a-1.0.tar.gz");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->filename(), "a-1.0.tar.gz");
}

TEST_F(IndexProviderTest, MetadataIsConvertedAndAskedOnce) {
  index::IndexClient client(fake_, options_);
  index::MetadataSource metadata(fake_);
  IndexProvider provider(client, metadata, Cp311(), /*workers=*/0);
  auto versions = provider.ListVersions("a");
  ASSERT_TRUE(versions.ok());
  const DistributionFile& wheel = versions->versions[0].files[1];
  auto meta = provider.GetMetadata("a", versions->versions[0].version, wheel);
  ASSERT_TRUE(meta.ok()) << meta.error().message();
  ASSERT_EQ(meta->requires_dist.size(), 1u);
  EXPECT_EQ(meta->requires_dist[0].ToString(), "b>=1; extra == \"x\"");
  EXPECT_EQ(meta->provides_extra, (std::vector<std::string>{"x"}));
  ASSERT_TRUE(provider.GetMetadata("a", versions->versions[0].version, wheel).ok());
  EXPECT_EQ(MetadataRequests(), 1);
  EXPECT_EQ(provider.stats().metadata, 1);
}

TEST_F(IndexProviderTest, PrefetchFetchesTheNewestUsableFinalReleaseAhead) {
  index::IndexClient client(fake_, options_);
  index::MetadataSource metadata(fake_);
  IndexProvider provider(client, metadata, Cp311(), /*workers=*/2);
  provider.PrefetchVersions({"a"});
  // 2.0 needs Python 3.12 and 3.0a1 is a pre-release: 1.0 is the newest the
  // resolver can take, and its best file for the target is the cp311 wheel.
  auto versions = provider.ListVersions("a");
  ASSERT_TRUE(versions.ok());
  auto meta =
      provider.GetMetadata("a", versions->versions[0].version, versions->versions[0].files[1]);
  ASSERT_TRUE(meta.ok()) << meta.error().message();
  EXPECT_EQ(MetadataRequests(), 1);
  bool fetched_cp311 = false;
  for (const auto& r : fake_.requests()) {
    fetched_cp311 |= r.url ==
                     "https://i.example/f/a-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"
                     ".metadata";
  }
  EXPECT_TRUE(fetched_cp311);
  // Either the worker fetched it and the resolver waited, or the resolver
  // took the queued job over: one fetch in total either way.
  EXPECT_EQ(provider.stats().metadata, 1);
}

TEST_F(IndexProviderTest, UnknownProjectIsNotFound) {
  index::IndexClient client(fake_, options_);
  index::MetadataSource metadata(fake_);
  IndexProvider provider(client, metadata, Cp311());
  auto versions = provider.ListVersions("zzz");
  ASSERT_FALSE(versions.ok());
  EXPECT_EQ(versions.error().kind(), ErrorKind::kNotFound);
}

}  // namespace
}  // namespace sparkenv::resolve
