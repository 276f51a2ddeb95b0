#include "fetch/blob_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "fetch/cache_admin.h"
#include "index/sha256.h"

namespace sparkenv::fetch {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    path_ = ::testing::TempDir() + "/sparkenv_blobs_" + std::to_string(getpid()) + "_" +
            std::to_string(counter_++);
    fs::remove_all(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

void WriteFile(const std::string& path, const std::string& bytes) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

CleanOptions Only(bool blobs, bool http) {
  CleanOptions options;
  options.blobs = blobs;
  options.http = http;
  return options;
}

TEST(BlobCacheTest, Names) {
  EXPECT_TRUE(IsSha256Hex(std::string(64, 'a')));
  EXPECT_FALSE(IsSha256Hex(std::string(64, 'A')));
  EXPECT_FALSE(IsSha256Hex(std::string(63, 'a')));
  EXPECT_FALSE(IsSha256Hex(std::string(64, 'g')));
  EXPECT_TRUE(IsTempName(std::string(64, 'a') + ".tmp.12.34"));
  EXPECT_FALSE(IsTempName(std::string(64, 'a')));
}

TEST(BlobCacheTest, CommitVerifiesThenRenames) {
  TempDir dir;
  BlobCache cache(dir.path());
  std::string sha = index::Sha256Hex("hello");
  EXPECT_EQ(cache.PathFor(sha), dir.path() + "/blobs-v1/sha256/" + sha.substr(0, 2) + "/" + sha);
  auto temp = cache.NewTempPath(sha);
  ASSERT_TRUE(temp.ok());
  EXPECT_EQ(fs::path(*temp).parent_path(), fs::path(cache.PathFor(sha)).parent_path());
  EXPECT_TRUE(IsTempName(fs::path(*temp).filename().string()));
  EXPECT_NE(*temp, cache.NewTempPath(sha).value());
  WriteFile(*temp, "hello");
  EXPECT_FALSE(cache.Find(sha));
  auto path = cache.Commit(*temp, {sha, 5});
  ASSERT_TRUE(path.ok()) << path.error().message();
  EXPECT_EQ(*path, cache.PathFor(sha));
  EXPECT_EQ(cache.Find(sha), *path);
  EXPECT_FALSE(fs::exists(*temp));
}

TEST(BlobCacheTest, CommitRefusesWrongBytesAndRemovesTheTempFile) {
  TempDir dir;
  BlobCache cache(dir.path());
  std::string sha = index::Sha256Hex("hello");
  std::string temp = cache.NewTempPath(sha).value();
  WriteFile(temp, "hellO");
  auto path = cache.Commit(temp, {sha, std::nullopt});
  ASSERT_FALSE(path.ok());
  EXPECT_EQ(path.error().message(),
            "sha256 mismatch: expected " + sha + ", got " + index::Sha256Hex("hellO"));
  EXPECT_FALSE(fs::exists(temp));
  EXPECT_FALSE(cache.Find(sha));

  WriteFile(temp, "hello!");
  path = cache.Commit(temp, {sha, 5});
  ASSERT_FALSE(path.ok());
  EXPECT_EQ(path.error().message(), "size mismatch: expected 5 bytes, got 6");
  EXPECT_FALSE(fs::exists(temp));
}

TEST(CacheAdminTest, MeasuresAndCleansOnlyWhatIsSafe) {
  TempDir dir;
  BlobCache cache(dir.path());
  std::string sha = index::Sha256Hex("blob");
  WriteFile(cache.PathFor(sha), "blob");
  std::string young = cache.PathFor(sha) + ".tmp.1.2";
  std::string old = cache.PathFor(sha) + ".tmp.3.4";
  WriteFile(young, "partial");
  WriteFile(old, "stale");
  fs::last_write_time(old, fs::file_time_type::clock::now() - std::chrono::hours(2));
  WriteFile(dir.path() + "/blobs-v1/sha256/README", "not ours");
  WriteFile(dir.path() + "/simple-v1/ab/abcd.entry", "entry!");
  WriteFile(dir.path() + "/simple-v1/ab/abcd.entry.tmp.5.6", "x");

  auto usage = MeasureCache(dir.path());
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->blobs.files, 1u);
  EXPECT_EQ(usage->blobs.bytes, 4u);
  EXPECT_EQ(usage->http.files, 1u);
  EXPECT_EQ(usage->http.bytes, 6u);
  EXPECT_EQ(usage->temp.files, 3u);
  EXPECT_EQ(usage->temp.bytes, 13u);

  auto report = CleanCache(dir.path(), Only(true, false));
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->removed.files, 2u);  // the blob and the old temp file
  EXPECT_EQ(report->removed.bytes, 9u);
  EXPECT_EQ(report->temp_kept.files, 1u);
  EXPECT_FALSE(cache.Find(sha));
  EXPECT_TRUE(fs::exists(young));
  EXPECT_FALSE(fs::exists(old));
  EXPECT_TRUE(fs::exists(dir.path() + "/blobs-v1/sha256/README"));
  EXPECT_TRUE(fs::exists(dir.path() + "/simple-v1/ab/abcd.entry"));

  report = CleanCache(dir.path(), Only(false, true));
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->removed.files, 1u);
  EXPECT_EQ(report->temp_kept.files, 1u);
  EXPECT_FALSE(fs::exists(dir.path() + "/simple-v1/ab/abcd.entry"));
}

TEST(CacheAdminTest, LayerAndBuiltRecordsGoWithTheBlobs) {
  TempDir dir;
  const std::string key = std::string(64, 'a');
  const std::string layer = dir.path() + "/layers-v1/aa/" + key + ".json";
  const std::string built = dir.path() + "/built-v1/aa/" + key + ".json";
  WriteFile(layer, "{}\n");
  WriteFile(built, "{}\n");
  WriteFile(dir.path() + "/layers-v1/notes.txt", "not ours");
  auto usage = MeasureCache(dir.path());
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->blobs.files, 2u);
  EXPECT_EQ(usage->blobs.bytes, 6u);
  auto report = CleanCache(dir.path(), Only(false, true));
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(fs::exists(layer));
  report = CleanCache(dir.path(), Only(true, false));
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->removed.files, 2u);
  EXPECT_FALSE(fs::exists(layer));
  EXPECT_FALSE(fs::exists(built));
  EXPECT_TRUE(fs::exists(dir.path() + "/layers-v1/notes.txt"));
}

TEST(CacheAdminTest, MissingRootIsEmpty) {
  auto usage = MeasureCache("/nonexistent/sparkenv-cache");
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->blobs.files + usage->http.files + usage->temp.files, 0u);
  auto report = CleanCache("/nonexistent/sparkenv-cache", {});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->removed.files, 0u);
}

}  // namespace
}  // namespace sparkenv::fetch
