#include "store/push.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "store/memory_backend.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace sparkenv::store {
namespace {

using test_util::LayerBytes;
using test_util::ScratchDir;
using test_util::TestPackage;
using test_util::WriteFile;
using test_util::WriteTestEnv;

const std::vector<TestPackage> kV1 = {{"alpha", "1.0", 1000}, {"beta", "2.0", 5000}};
const std::vector<TestPackage> kV2 = {
    {"alpha", "1.0", 1000}, {"beta", "2.0", 5000}, {"gamma", "1.5", 300}};

PushOptions Options(const std::string& dir, std::vector<TagName> tags = {}) {
  PushOptions o;
  o.env_dir = dir;
  o.tags = std::move(tags);
  o.jobs = 4;
  return o;
}

std::vector<std::string> KeysWithPrefix(const MemoryBackend& b, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& [key, object] : b.Objects()) {
    if (key.rfind(prefix, 0) == 0) out.push_back(key);
  }
  return out;
}

size_t IndexOf(const std::vector<std::string>& log, const std::string& entry) {
  auto it = std::find(log.begin(), log.end(), entry);
  EXPECT_NE(it, log.end()) << entry;
  return static_cast<size_t>(it - log.begin());
}

TEST(PushTest, WritesBlobsThenTheManifestThenTheTags) {
  ScratchDir dir;
  env::Manifest m = WriteTestEnv(dir / "env", kV1, "v1");
  MemoryBackend b;
  auto r = Push(b, Options(dir / "env", {{"app", "prod"}, {"app", "latest"}}));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->env_id, m.env_id);
  EXPECT_TRUE(r->store_created);
  EXPECT_TRUE(r->manifest_written);
  EXPECT_EQ(r->blobs_uploaded, 2u);
  EXPECT_EQ(r->blobs_present, 0u);
  EXPECT_EQ(r->blob_bytes_uploaded, 6000u);

  const auto log = b.Log();
  const size_t manifest = IndexOf(log, "write " + EnvKey(m.env_id));
  for (const env::Layer& l : m.layers)
    EXPECT_LT(IndexOf(log, "upload " + BlobKey(l.sha256)), manifest);
  EXPECT_LT(IndexOf(log, "write sparkenv-store.json"),
            IndexOf(log, "upload " + BlobKey(m.layers[0].sha256)));
  EXPECT_GT(IndexOf(log, "write tags/app/prod.json"), manifest);
  EXPECT_GT(IndexOf(log, "write tags/app/latest.json"), manifest);

  // What is stored is what was built.
  EXPECT_EQ(b.Get(EnvKey(m.env_id))->bytes, env::ToJson(m));
  EXPECT_EQ(b.Get(BlobKey(m.layers[1].sha256))->bytes, LayerBytes(kV1[1]));
  auto tag = ReadTag(b, {"app", "prod"});
  ASSERT_TRUE(tag.ok());
  ASSERT_TRUE(tag->has_value());
  EXPECT_EQ((*tag)->env_id, m.env_id);
  EXPECT_TRUE(b.InvalidKeys().empty());
}

TEST(PushTest, IncrementalPushSendsOnlyTheNewBlobTheManifestAndTheTag) {
  ScratchDir dir;
  WriteTestEnv(dir / "v1", kV1, "v1");
  env::Manifest m2 = WriteTestEnv(dir / "v2", kV2, "v2");
  MemoryBackend b;
  ASSERT_TRUE(Push(b, Options(dir / "v1", {{"app", "latest"}})).ok());
  const auto before = b.Objects();
  b.ClearLog();
  const uint64_t sent_before = b.counters().bytes_sent;

  auto r = Push(b, Options(dir / "v2", {{"app", "latest"}}));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->blobs_uploaded, 1u);
  EXPECT_EQ(r->blobs_present, 2u);
  EXPECT_EQ(r->blob_bytes_uploaded, 300u);
  const std::string tag_bytes = b.Get("tags/app/latest.json")->bytes;
  const uint64_t expected = 300 + env::ToJson(m2).size() + tag_bytes.size();
  EXPECT_EQ(r->bytes_sent, expected);
  EXPECT_EQ(b.counters().bytes_sent - sent_before, expected);
  ASSERT_EQ(r->tags.size(), 1u);
  EXPECT_TRUE(r->tags[0].moved);
  EXPECT_FALSE(r->tags[0].previous_env_id.empty());

  std::vector<std::string> writes;
  for (const std::string& entry : b.Log()) {
    if (entry.rfind("upload ", 0) == 0 || entry.rfind("write ", 0) == 0) writes.push_back(entry);
  }
  const env::Layer& gamma = m2.layers[2];
  ASSERT_EQ(gamma.package, "gamma");
  EXPECT_EQ(writes,
            (std::vector<std::string>{"upload " + BlobKey(gamma.sha256),
                                      "write " + EnvKey(m2.env_id), "write tags/app/latest.json"}));
  // Everything that was there is unchanged.
  for (const auto& [key, object] : before) {
    if (key == "tags/app/latest.json") continue;
    EXPECT_EQ(b.Get(key)->bytes, object.bytes) << key;
  }
}

TEST(PushTest, PushingAgainSendsNothing) {
  ScratchDir dir;
  WriteTestEnv(dir / "v1", kV1, "v1");
  MemoryBackend b;
  ASSERT_TRUE(Push(b, Options(dir / "v1", {{"app", "latest"}})).ok());
  b.ClearLog();
  auto r = Push(b, Options(dir / "v1", {{"app", "latest"}}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->bytes_sent, 0u);
  EXPECT_FALSE(r->manifest_written);
  EXPECT_FALSE(r->tags[0].moved);
  for (const std::string& entry : b.Log()) {
    EXPECT_TRUE(entry.rfind("read ", 0) == 0 || entry.rfind("stat ", 0) == 0) << entry;
  }
}

TEST(PushTest, AFailedUploadLeavesNoManifestAndNoTag) {
  ScratchDir dir;
  env::Manifest m = WriteTestEnv(dir / "v1", kV1, "v1");
  MemoryBackend b;
  const std::string victim = BlobKey(m.layers[1].sha256);
  b.SetFault([&](std::string_view op, std::string_view key) -> Status {
    if (op == "upload" && key == victim) {
      return Error("cannot write 'mem://store/" + victim + "': connection reset", ErrorKind::kIo);
    }
    return Status();
  });
  auto r = Push(b, Options(dir / "v1", {{"app", "latest"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "cannot write 'mem://store/" + victim + "': connection reset");
  EXPECT_TRUE(KeysWithPrefix(b, "envs/").empty());
  EXPECT_TRUE(KeysWithPrefix(b, "tags/").empty());

  // The next push uploads only what is missing.
  b.SetFault(nullptr);
  b.ClearLog();
  auto again = Push(b, Options(dir / "v1", {{"app", "latest"}}));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->blobs_present + again->blobs_uploaded, 2u);
  EXPECT_EQ(KeysWithPrefix(b, "tags/"), (std::vector<std::string>{"tags/app/latest.json"}));
}

TEST(PushTest, AFailedManifestWriteLeavesNoTag) {
  ScratchDir dir;
  WriteTestEnv(dir / "v1", kV1, "v1");
  MemoryBackend b;
  b.SetFault([](std::string_view op, std::string_view key) -> Status {
    if (op == "write" && key.rfind("envs/", 0) == 0) return Error("quota exceeded", ErrorKind::kIo);
    return Status();
  });
  auto r = Push(b, Options(dir / "v1", {{"app", "latest"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "quota exceeded");
  EXPECT_TRUE(KeysWithPrefix(b, "tags/").empty());
  EXPECT_EQ(KeysWithPrefix(b, "blobs/").size(), 2u);  // complete blobs, reused next time
}

TEST(PushTest, ACorruptLocalLayerIsNeverUploaded) {
  ScratchDir dir;
  env::Manifest m = WriteTestEnv(dir / "v1", kV1, "v1");
  const env::Layer& beta = m.layers[1];
  const std::string path = dir / ("v1/layers/" + beta.sha256 + ".tar.gz");
  std::string bytes = LayerBytes(kV1[1]);
  bytes[10] ^= 1;
  WriteFile(path, bytes);
  MemoryBackend b;
  auto r = Push(b, Options(dir / "v1", {{"app", "latest"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "layer '" + path + "' (beta 2.0) is corrupt: its sha256 is " +
                                     index::Sha256Hex(bytes) + ", the manifest says " +
                                     beta.sha256 + "; rebuild the environment");
  EXPECT_FALSE(b.Get(BlobKey(beta.sha256)));
  EXPECT_TRUE(KeysWithPrefix(b, "envs/").empty());
}

TEST(PushTest, BadFoldersAreNamed) {
  ScratchDir dir;
  MemoryBackend b;
  auto r = Push(b, Options(dir / "none"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "environment folder '" + (dir / "none") +
                                     "' does not exist (build one with 'sparkenv build LOCK -o "
                                     "DIR')");
  std::filesystem::create_directories(dir / "empty");
  r = Push(b, Options(dir / "empty"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "'" + (dir / "empty") +
                                     "' is not an environment folder: it has no manifest.json "
                                     "(build one with 'sparkenv build LOCK -o DIR')");
  env::Manifest m = WriteTestEnv(dir / "v1", kV1, "v1");
  std::filesystem::remove(dir / ("v1/layers/" + m.layers[0].sha256 + ".tar.gz"));
  r = Push(b, Options(dir / "v1"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "environment folder '" + (dir / "v1") +
                                     "' is incomplete: layer '" +
                                     (dir / ("v1/layers/" + m.layers[0].sha256 + ".tar.gz")) +
                                     "' (alpha 1.0) is missing");
  EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidInput);
  EXPECT_TRUE(b.Objects().empty());  // nothing written before the inputs were checked
}

TEST(PushTest, AStoreOfAnotherFormatIsLeftAlone) {
  ScratchDir dir;
  WriteTestEnv(dir / "v1", kV1, "v1");
  MemoryBackend b;
  b.Put("sparkenv-store.json", R"({"format": "sparkenv-store/2"})", 0);
  auto r = Push(b, Options(dir / "v1", {{"app", "latest"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "store 'mem://store' has format 'sparkenv-store/2', which this sparkenv does not read "
            "(it reads sparkenv-store/1): upgrade sparkenv");
  EXPECT_EQ(b.Objects().size(), 1u);
}

TEST(PushTest, ABlobOfTheWrongSizeIsReplaced) {
  ScratchDir dir;
  env::Manifest m = WriteTestEnv(dir / "v1", kV1, "v1");
  MemoryBackend b;
  b.Put("sparkenv-store.json", MarkerJson(), 0);
  b.Put(BlobKey(m.layers[0].sha256), "truncated", 0);
  auto r = Push(b, Options(dir / "v1"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->blobs_uploaded, 2u);
  EXPECT_EQ(b.Get(BlobKey(m.layers[0].sha256))->bytes, LayerBytes(kV1[0]));
}

TEST(PushTest, ABlobRemovedByARacingGcIsUploadedAgainBeforeTheTagMoves) {
  ScratchDir dir;
  env::Manifest m = WriteTestEnv(dir / "v1", kV1, "v1");
  MemoryBackend b;
  b.Put("sparkenv-store.json", MarkerJson(), 0);
  const std::string reused = BlobKey(m.layers[0].sha256);
  b.Put(reused, LayerBytes(kV1[0]), 0);  // old and unreferenced: a gc candidate
  bool removed = false;
  b.SetFault([&](std::string_view op, std::string_view key) -> Status {
    if (op == "write" && key == EnvKey(m.env_id) && !removed) {
      removed = true;
      return b.Remove(reused);  // gc deletes it just before the manifest lands
    }
    return Status();
  });
  auto r = Push(b, Options(dir / "v1", {{"app", "latest"}}));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(removed);
  EXPECT_EQ(r->blobs_uploaded, 2u);
  EXPECT_EQ(r->blobs_present, 0u);
  ASSERT_TRUE(b.Get(reused));
  const auto log = b.Log();
  EXPECT_LT(IndexOf(log, "write " + EnvKey(m.env_id)), IndexOf(log, "upload " + reused));
  EXPECT_GT(IndexOf(log, "write tags/app/latest.json"), IndexOf(log, "upload " + reused));
}

TEST(PushTest, PrivateObjects) {
  ScratchDir dir;
  WriteTestEnv(dir / "v1", kV1, "v1");
  MemoryBackend b;
  PushOptions o = Options(dir / "v1", {{"app", "latest"}});
  o.world_readable = false;
  ASSERT_TRUE(Push(b, o).ok());
  for (const auto& [key, object] : b.Objects()) EXPECT_FALSE(object.world_readable) << key;
}

TEST(PushTest, ConcurrentPushesOfOverlappingEnvironmentsOnOneTag) {
  ScratchDir dir;
  env::Manifest m1 = WriteTestEnv(dir / "v1", kV1, "v1");
  env::Manifest m2 = WriteTestEnv(dir / "v2", kV2, "v2");
  MemoryBackend b;
  std::vector<std::thread> threads;
  threads.reserve(8);
  std::vector<char> ok(8, 0);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      ok[i] = static_cast<char>(
          Push(b, Options(dir / (i % 2 == 0 ? "v1" : "v2"), {{"app", "latest"}})).ok());
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 8; ++i) EXPECT_TRUE(ok[i]) << i;
  auto tag = ReadTag(b, {"app", "latest"});
  ASSERT_TRUE(tag.ok() && tag->has_value());
  const std::string id = (*tag)->env_id;
  EXPECT_TRUE(id == m1.env_id || id == m2.env_id);
  auto manifest = ReadManifest(b, id);
  ASSERT_TRUE(manifest.ok());
  for (const env::Layer& l : manifest->layers) EXPECT_TRUE(b.Get(BlobKey(l.sha256))) << l.package;
}

}  // namespace
}  // namespace sparkenv::store
