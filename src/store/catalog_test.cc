#include "store/catalog.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "store/diff.h"
#include "store/memory_backend.h"
#include "store/push.h"
#include "store/store_test_util.h"

namespace sparkenv::store {
namespace {

using test_util::ScratchDir;
using test_util::TestManifest;
using test_util::TestPackage;
using test_util::WriteTestEnv;

const std::vector<TestPackage> kV1 = {{"alpha", "1.0", 1000}, {"beta", "2.0", 5000}};
const std::vector<TestPackage> kV2 = {
    {"alpha", "1.0", 1000}, {"beta", "2.1", 6000}, {"gamma", "1.5", 300}};
constexpr int64_t kHour = int64_t{3600} * 1000;
constexpr int64_t kDay = 24 * kHour;

// A store holding v1 (tag app:v1) and v2 (tags app:v2, app:latest), pushed
// at day 10 and day 11.
struct Fixture {
  ScratchDir dir;
  MemoryBackend b;
  env::Manifest m1;
  env::Manifest m2;
  Fixture() {
    m1 = WriteTestEnv(dir / "v1", kV1, "v1");
    m2 = WriteTestEnv(dir / "v2", kV2, "v2");
    b.SetNow(10 * kDay);
    Push(dir / "v1", {{"app", "v1"}, {"app", "latest"}});
    b.SetNow(11 * kDay);
    Push(dir / "v2", {{"app", "v2"}, {"app", "latest"}});
  }
  void Push(const std::string& env_dir, std::vector<TagName> tags) {
    PushOptions o;
    o.env_dir = env_dir;
    o.tags = std::move(tags);
    auto r = store::Push(b, o);
    ASSERT_TRUE(r.ok()) << r.error().message();
  }
};

TEST(ListStoreTest, TagsEnvironmentsAndBlobs) {
  Fixture f;
  auto l = ListStore(f.b, 4);
  ASSERT_TRUE(l.ok()) << l.error().message();
  EXPECT_EQ(l->url, "mem://store");
  ASSERT_EQ(l->tags.size(), 3u);
  EXPECT_EQ(l->tags[0].tag.ToString(), "app:latest");
  EXPECT_EQ(l->tags[0].env_id, f.m2.env_id);
  EXPECT_EQ(l->tags[1].tag.ToString(), "app:v1");
  EXPECT_EQ(l->tags[1].env_id, f.m1.env_id);
  EXPECT_TRUE(l->tags[1].env_present);
  ASSERT_EQ(l->envs.size(), 2u);
  EXPECT_EQ(l->envs[0].env_id, f.m2.env_id);  // newest first
  EXPECT_EQ(l->envs[0].pushed_ms, 11 * kDay);
  EXPECT_EQ(l->envs[0].packages, 3u);
  EXPECT_EQ(l->envs[0].size, 7300u);
  EXPECT_EQ(l->envs[0].python, "3.11.9");
  EXPECT_EQ(l->envs[0].platform, "linux x86_64");
  ASSERT_EQ(l->envs[0].tags.size(), 2u);
  EXPECT_EQ(l->envs[1].tags.size(), 1u);
  EXPECT_EQ(l->blobs, 4u);
  EXPECT_EQ(l->blob_bytes, 1000u + 5000 + 6000 + 300);
  EXPECT_EQ(l->unreferenced_blobs, 0u);
  EXPECT_TRUE(l->warnings.empty());
}

TEST(ListStoreTest, AHostileStoreIsReportedNotFollowed) {
  Fixture f;
  const std::string id(64, 'e');
  f.b.Put(
      "tags/app/evil.json",
      R"({"env_id": "../../etc/passwd", "format": "sparkenv-tag/1", "name": "app", "tag": "evil", "updated": "2025-01-01T00:00:00Z"})",
      0);
  f.b.Put("tags/../../etc/passwd.json", "{}", 0);
  f.b.Put("envs/../../x.json", "{}", 0);
  f.b.Put(EnvKey(id), R"({"format": "sparkenv-env/1"})", 0);
  f.b.Put("blobs/not-a-blob", "x", 0);
  auto l = ListStore(f.b, 4);
  ASSERT_TRUE(l.ok()) << l.error().message();
  EXPECT_EQ(l->tags.size(), 3u);
  EXPECT_EQ(l->envs.size(), 2u);
  const std::string bad_tag =
      "skipped a tag: mem://store/tags/app/evil.json: env_id must be 64 lowercase hex digits "
      "(not a tag written by sparkenv)";
  const std::vector<std::string> expected = {
      "skipped an environment: mem://store/envs/" + id + ".json: env_id must be a string",
      bad_tag,
      "ignored 1 object(s) under mem://store/envs/ that are not manifests",
      "ignored 1 object(s) under mem://store/tags/ that are not tags",
      "ignored 1 object(s) under mem://store/blobs/ that are not blobs",
  };
  EXPECT_EQ(l->warnings, expected);
  EXPECT_TRUE(f.b.InvalidKeys().empty());
}

TEST(RemoveRefTest, ATag) {
  Fixture f;
  EnvRef ref{EnvRef::Kind::kTag, "mem://store", "app", "v1", "", ""};
  auto r = RemoveRef(f.b, ref, false, 4);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_FALSE(r->removed_env);
  EXPECT_EQ(r->env_id, f.m1.env_id);
  EXPECT_FALSE(f.b.Get("tags/app/v1.json"));
  EXPECT_TRUE(f.b.Get(EnvKey(f.m1.env_id)));  // the environment stays
  r = RemoveRef(f.b, ref, false, 4);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "no tag 'app:v1' in store 'mem://store'");
  EXPECT_EQ(r.error().kind(), ErrorKind::kNotFound);
}

TEST(RemoveRefTest, AnEnvironmentIsRefusedWhileTagged) {
  Fixture f;
  EnvRef ref{EnvRef::Kind::kId, "mem://store", "", "", f.m2.env_id.substr(0, 10), ""};
  auto r = RemoveRef(f.b, ref, false, 4);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "environment " + f.m2.env_id.substr(0, 12) +
                                     " in store 'mem://store' is named by the tags app:latest, "
                                     "app:v2: remove them first, or use --force to remove them "
                                     "with the environment");
  EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidInput);
  EXPECT_TRUE(f.b.Get(EnvKey(f.m2.env_id)));

  f.b.ClearLog();
  r = RemoveRef(f.b, ref, true, 4);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(r->removed_env);
  EXPECT_EQ(r->env_id, f.m2.env_id);
  ASSERT_EQ(r->tags.size(), 2u);
  EXPECT_FALSE(f.b.Get(EnvKey(f.m2.env_id)));
  EXPECT_FALSE(f.b.Get("tags/app/latest.json"));
  EXPECT_TRUE(f.b.Get("tags/app/v1.json"));
  // Tags go before the manifest: no tag ever names a removed environment.
  std::vector<std::string> removes;
  for (const std::string& e : f.b.Log()) {
    if (e.rfind("remove ", 0) == 0) removes.push_back(e);
  }
  EXPECT_EQ(removes,
            (std::vector<std::string>{"remove tags/app/latest.json", "remove tags/app/v2.json",
                                      "remove " + EnvKey(f.m2.env_id)}));
}

TEST(RemoveRefTest, AnUntaggedEnvironment) {
  Fixture f;
  ASSERT_TRUE(f.b.Remove("tags/app/v1.json").ok());
  EnvRef ref{EnvRef::Kind::kId, "mem://store", "", "", f.m1.env_id, ""};
  auto r = RemoveRef(f.b, ref, false, 4);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_FALSE(f.b.Get(EnvKey(f.m1.env_id)));
  r = RemoveRef(f.b, ref, false, 4);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "no environment " + f.m1.env_id + " in store 'mem://store'");
}

TEST(ParseDurationTest, Table) {
  std::map<std::string, int64_t> good = {
      {"0", 0},         {"30s", 30'000},   {"15m", 900'000},      {"24h", kDay},
      {"7d", 7 * kDay}, {"2w", 14 * kDay}, {"1h30m", 90 * 60'000}};
  for (const auto& [text, ms] : good) {
    auto r = ParseDuration(text);
    ASSERT_TRUE(r.ok()) << text;
    EXPECT_EQ(*r, ms) << text;
  }
  for (const char* text : {"", "24", "h", "3x", "-1h", "1.5h", "99999999999999d"}) {
    auto r = ParseDuration(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().message(), "invalid --grace '" + std::string(text) +
                                       "': expected a duration such as 30m, 24h, 7d or 1h30m "
                                       "(units s, m, h, d, w)");
  }
}

TEST(GcTest, RemovesOnlyUnreferencedObjectsOlderThanTheGracePeriod) {
  Fixture f;
  // v1 leaves: beta 2.0 becomes unreferenced (pushed at day 10).
  ASSERT_TRUE(f.b.Remove("tags/app/v1.json").ok());
  ASSERT_TRUE(f.b.Remove(EnvKey(f.m1.env_id)).ok());
  const std::string old_blob = BlobKey(f.m1.layers[1].sha256);
  const std::string young_blob = BlobKey(std::string(64, 'b'));
  f.b.Put(young_blob, "in flight", 12 * kDay - kHour);
  f.b.Put("tmp/x.tar.gz.1234.tmp", "partial", 10 * kDay);
  f.b.Put("tmp/y.json.5678.tmp", "partial", 12 * kDay - kHour);
  f.b.Put("tmp/../../../etc/passwd", "hostile", 0);
  f.b.Put("blobs/readme.txt", "not ours", 0);
  const std::string old_launcher = LaunchKey(std::string(64, 'c'));
  const std::string young_launcher = LaunchKey(std::string(64, 'd'));
  f.b.Put(old_launcher, "jar", 10 * kDay);
  f.b.Put(young_launcher, "jar", 12 * kDay - kHour);
  f.b.Put("launch/app.jar", "not ours", 0);

  GcOptions o;
  o.now_ms = 12 * kDay;
  o.dry_run = true;
  auto r = CollectGarbage(f.b, o);
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->removed.size(), 3u);
  EXPECT_EQ(r->removed[0].key, old_blob);
  EXPECT_EQ(r->removed[0].size, 5000u);
  EXPECT_EQ(r->removed[1].key, "tmp/x.tar.gz.1234.tmp");
  EXPECT_EQ(r->removed[2].key, old_launcher);
  EXPECT_EQ(r->bytes_removed, 5010u);
  EXPECT_EQ(r->envs, 1u);
  EXPECT_EQ(r->blobs_referenced, 3u);
  EXPECT_EQ(r->blobs_young, 1u);
  EXPECT_EQ(r->temps_young, 2u);
  EXPECT_EQ(r->foreign, 3u);
  EXPECT_TRUE(f.b.Get(old_blob));  // a dry run removes nothing

  o.dry_run = false;
  r = CollectGarbage(f.b, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->removed.size(), 3u);
  EXPECT_FALSE(f.b.Get(old_blob));
  EXPECT_FALSE(f.b.Get(old_launcher));
  EXPECT_TRUE(f.b.Get(young_launcher));
  EXPECT_TRUE(f.b.Get("launch/app.jar"));
  EXPECT_FALSE(f.b.Get("tmp/x.tar.gz.1234.tmp"));
  EXPECT_TRUE(f.b.Get(young_blob));
  EXPECT_TRUE(f.b.Get("tmp/y.json.5678.tmp"));
  EXPECT_TRUE(f.b.Get("tmp/../../../etc/passwd"));
  EXPECT_TRUE(f.b.Get("blobs/readme.txt"));
  EXPECT_TRUE(f.b.InvalidKeys().empty());
  // v2 is whole.
  auto v2 = ReadManifest(f.b, f.m2.env_id);
  ASSERT_TRUE(v2.ok());
  for (const env::Layer& l : v2->layers) EXPECT_TRUE(f.b.Get(BlobKey(l.sha256))) << l.package;

  // Grace 0 takes the young ones too.
  o.grace_ms = 0;
  r = CollectGarbage(f.b, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->removed.size(), 3u);
  EXPECT_FALSE(f.b.Get(young_blob));
  EXPECT_FALSE(f.b.Get(young_launcher));
}

TEST(GcTest, AManifestWrittenDuringTheScanKeepsItsBlobs) {
  Fixture f;
  ASSERT_TRUE(f.b.Remove("tags/app/v1.json").ok());
  const std::string v1_manifest = f.b.Get(EnvKey(f.m1.env_id))->bytes;
  ASSERT_TRUE(f.b.Remove(EnvKey(f.m1.env_id)).ok());
  // A push of v1 again lands between gc's listing of envs/ and of blobs/.
  f.b.SetFault([&](std::string_view op, std::string_view key) -> Status {
    if (op == "list" && key == "blobs/" && !f.b.Get(EnvKey(f.m1.env_id))) {
      f.b.Put(EnvKey(f.m1.env_id), v1_manifest, 12 * kDay);
    }
    return Status();
  });
  GcOptions o;
  o.now_ms = 12 * kDay;
  o.grace_ms = 0;
  auto r = CollectGarbage(f.b, o);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(r->removed.empty());
  for (const env::Layer& l : f.m1.layers) EXPECT_TRUE(f.b.Get(BlobKey(l.sha256))) << l.package;
}

TEST(GcTest, AnUnreadableManifestStopsGc) {
  Fixture f;
  const std::string id = f.m1.env_id;
  f.b.Put(EnvKey(id), "garbage", 0);
  GcOptions o;
  o.grace_ms = 0;
  o.now_ms = 12 * kDay;
  const size_t objects = f.b.Objects().size();
  auto r = CollectGarbage(f.b, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "gc removes nothing while a manifest cannot be read (remove it with 'sparkenv rm "
            "STORE@" +
                id.substr(0, 12) + "' if it is damaged): mem://store/envs/" + id +
                ".json: not a JSON object");
  EXPECT_EQ(f.b.Objects().size(), objects);
}

TEST(GcTest, NotAStore) {
  MemoryBackend b;
  auto r = CollectGarbage(b, GcOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "no sparkenv store at 'mem://store' (it has no sparkenv-store.json)");
  EXPECT_EQ(r.error().kind(), ErrorKind::kNotFound);
}

TEST(DiffTest, AddedRemovedChangedRebuiltAndTarget) {
  env::Manifest a =
      TestManifest({{"alpha", "1.0", 10}, {"beta", "2.0", 20}, {"delta", "1", 5}}, "a");
  env::Manifest b = TestManifest(
      {{"alpha", "1.0", 10}, {"beta", "2.1", 30}, {"gamma", "1.5", 40}, {"delta", "1", 6}}, "b");
  b.target_markers["python_full_version"] = "3.11.10";
  auto d = Diff(a, b);
  ASSERT_EQ(d.added.size(), 1u);
  EXPECT_EQ(d.added[0].package, "gamma");
  EXPECT_TRUE(d.removed.empty());
  ASSERT_EQ(d.changed.size(), 2u);
  EXPECT_EQ(d.changed[0].package, "beta");
  EXPECT_EQ(d.changed[1].package, "delta");  // same version, another layer
  EXPECT_EQ(d.unchanged, 1u);
  ASSERT_EQ(d.target.size(), 1u);
  EXPECT_EQ(d.target[0].key, "python_full_version");
  EXPECT_EQ(d.target[0].from, "3.11.9");
  EXPECT_EQ(d.target[0].to, "3.11.10");
  EXPECT_EQ(d.new_bytes, 30u + 40 + 6);
  EXPECT_FALSE(d.Same());
  auto reverse = Diff(b, a);
  ASSERT_EQ(reverse.removed.size(), 1u);
  EXPECT_EQ(reverse.removed[0].package, "gamma");
  EXPECT_TRUE(Diff(a, a).Same());
}

}  // namespace
}  // namespace sparkenv::store
