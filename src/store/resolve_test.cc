// ResolveEnvIn and ReadManifest over a fake store, hostile stores included,
// and Pull.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "store/memory_backend.h"
#include "store/pull.h"
#include "store/push.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace sparkenv::store {
namespace {

namespace fs = std::filesystem;
using test_util::LayerBytes;
using test_util::ReadFile;
using test_util::ScratchDir;
using test_util::TestManifest;
using test_util::TestPackage;
using test_util::WriteFile;
using test_util::WriteTestEnv;

const std::vector<TestPackage> kV1 = {{"alpha", "1.0", 1000}, {"beta", "2.0", 5000}};

EnvRef TagRef(const std::string& name, const std::string& tag) {
  return EnvRef{EnvRef::Kind::kTag, "mem://store", name, tag, "", ""};
}
EnvRef IdRef(const std::string& id) {
  return EnvRef{EnvRef::Kind::kId, "mem://store", "", "", id, ""};
}

struct Fixture {
  ScratchDir dir;
  MemoryBackend b;
  env::Manifest m;
  Fixture() {
    m = WriteTestEnv(dir / "v1", kV1, "v1");
    PushOptions o;
    o.env_dir = dir / "v1";
    o.tags = {{"app", "prod"}};
    auto r = Push(b, o);
    EXPECT_TRUE(r.ok());
  }
  std::string Tag(const std::string& env_id, const std::string& name = "app",
                  const std::string& tag = "prod") {
    return TagToJson(TagRecord{name, tag, env_id, "2025-06-01T10:22:03Z"});
  }
};

TEST(ResolveEnvTest, ByTagAndById) {
  Fixture f;
  auto r = ResolveEnvIn(f.b, TagRef("app", "prod"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->manifest, f.m);
  EXPECT_EQ(r->manifest_json, env::ToJson(f.m));
  ASSERT_EQ(r->layer_urls.size(), 2u);
  EXPECT_EQ(r->layer_urls[0], "mem://store/blobs/" + f.m.layers[0].sha256 + ".tar.gz");
  r = ResolveEnvIn(f.b, IdRef(f.m.env_id.substr(0, 8)));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->manifest.env_id, f.m.env_id);
  r = ResolveEnvIn(f.b, IdRef(f.m.env_id));
  ASSERT_TRUE(r.ok());
}

TEST(ResolveEnvTest, MissingThingsAreNamed) {
  Fixture f;
  struct Case {
    EnvRef ref;
    std::string message;
  } cases[] = {
      {TagRef("app", "dev"), "no tag 'app:dev' in store 'mem://store'; 'app' has the tags prod"},
      {TagRef("web", "prod"),
       "no tag 'web:prod' in store 'mem://store'; it has no environment named 'web'"},
      {IdRef("00000000"), "no environment 00000000 in store 'mem://store'"},
      {IdRef(std::string(64, '0')),
       "no environment " + std::string(64, '0') + " in store 'mem://store'"},
  };
  for (const Case& c : cases) {
    auto r = ResolveEnvIn(f.b, c.ref);
    ASSERT_FALSE(r.ok()) << c.message;
    EXPECT_EQ(r.error().message(), c.message);
    EXPECT_EQ(r.error().kind(), ErrorKind::kNotFound);
  }
  MemoryBackend empty;
  auto r = ResolveEnvIn(empty, TagRef("app", "prod"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "no sparkenv store at 'mem://store' (it has no sparkenv-store.json)");
  // A tag naming a removed environment.
  ASSERT_TRUE(f.b.Remove(EnvKey(f.m.env_id)).ok());
  r = ResolveEnvIn(f.b, TagRef("app", "prod"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "tag 'app:prod' in store 'mem://store' names environment " +
                                     f.m.env_id + ", which is not in the store");
}

TEST(ResolveEnvTest, AnAmbiguousPrefixListsTheCandidates) {
  MemoryBackend b;
  b.Put("sparkenv-store.json", MarkerJson(), 0);
  // 17 environments: two ids share their first hex digit.
  std::map<char, std::vector<std::string>> by_digit;
  for (int i = 0; i < 17; ++i) {
    env::Manifest m = TestManifest({}, "seed" + std::to_string(i));
    b.Put(EnvKey(m.env_id), env::ToJson(m), 0);
    by_digit[m.env_id[0]].push_back(m.env_id);
  }
  for (auto& [digit, ids] : by_digit) {
    if (ids.size() < 2) continue;
    std::sort(ids.begin(), ids.end());
    auto r = ResolveEnvIn(b, IdRef(std::string(1, digit)));
    ASSERT_FALSE(r.ok());
    std::string starts;
    for (const std::string& id : ids) starts += (starts.empty() ? "" : ", ") + id.substr(0, 16);
    EXPECT_EQ(r.error().message(), "environment id " + std::string(1, digit) +
                                       " is ambiguous in store 'mem://store': it starts " + starts +
                                       "; give more digits");
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidInput);
    return;
  }
  FAIL() << "no two ids share a first digit";
}

TEST(ResolveEnvTest, AHostileStoreCannotNamePathsOutsideIt) {
  Fixture f;
  const std::string where = "mem://store/";
  struct Case {
    std::string key;
    std::string bytes;
    EnvRef ref;
    std::string message;
  } cases[] = {
      {"tags/app/prod.json", f.Tag("../../../../etc/passwd"), TagRef("app", "prod"),
       where + "tags/app/prod.json: env_id must be 64 lowercase hex digits (not a tag written by "
               "sparkenv)"},
      {"tags/app/prod.json", f.Tag(f.m.env_id, "other", "prod"), TagRef("app", "prod"),
       where + "tags/app/prod.json: it names 'other:prod' but is stored as 'app:prod' (not a tag "
               "written by sparkenv)"},
  };
  for (const Case& c : cases) {
    f.b.Put(c.key, c.bytes, 0);
    auto r = ResolveEnvIn(f.b, c.ref);
    ASSERT_FALSE(r.ok()) << c.message;
    EXPECT_EQ(r.error().message(), c.message);
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidInput);
  }
  f.b.Put("tags/app/prod.json", f.Tag(f.m.env_id), 0);

  // Manifests: a layer hash with '/', another environment's manifest under
  // this id, a version with an escape sequence.
  std::string text = env::ToJson(f.m);
  const std::string manifest_key = EnvKey(f.m.env_id);
  auto with = [&](const std::string& from, const std::string& to) {
    std::string t = text;
    size_t at = t.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return t.replace(at, from.size(), to);
  };
  env::Manifest other = TestManifest(kV1, "other");
  struct ManifestCase {
    std::string bytes;
    std::string message;
  } manifests[] = {
      {with(f.m.layers[0].sha256, "../../../../../../etc/passwd"),
       where + manifest_key +
           ": layers[0]: sha256 and wheel_sha256 must be 64 lowercase hex digits"},
      {env::ToJson(other),
       where + manifest_key + ": env_id " + other.env_id + " is not the id it is stored under"},
      {with("\"version\": \"1.0\"", "\"version\": \"1.0\\u001b[2J\""),
       where + manifest_key +
           ": layers[0].version '1.0\\x1b[2J' has a character outside "
           "printable ASCII"},
  };
  for (const ManifestCase& c : manifests) {
    f.b.Put(manifest_key, c.bytes, 0);
    auto r = ResolveEnvIn(f.b, TagRef("app", "prod"));
    ASSERT_FALSE(r.ok()) << c.message;
    EXPECT_EQ(r.error().message(), c.message);
  }
  EXPECT_TRUE(f.b.InvalidKeys().empty());
}

TEST(PullTest, ByteIdenticalCopy) {
  Fixture f;
  auto env = ResolveEnvIn(f.b, TagRef("app", "prod"));
  ASSERT_TRUE(env.ok());
  PullOptions o;
  o.output_dir = f.dir / "out";
  auto r = Pull(f.b, *env, o);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->layers, 2u);
  EXPECT_EQ(r->bytes, 6000u);
  EXPECT_EQ(ReadFile(f.dir / "out/manifest.json"), ReadFile(f.dir / "v1/manifest.json"));
  for (const env::Layer& l : f.m.layers) {
    const std::string rel = "/layers/" + l.sha256 + ".tar.gz";
    EXPECT_EQ(ReadFile(f.dir / ("out" + rel)), ReadFile(f.dir / ("v1" + rel)));
  }
  size_t entries = 0;
  for (const auto& e : fs::recursive_directory_iterator(f.dir / "out")) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 4u);  // manifest.json, layers/, two layers
  // Pulling again replaces the environment.
  ASSERT_TRUE(Pull(f.b, *env, o).ok());
}

TEST(PullTest, ACorruptOrMissingBlobLeavesNoOutput) {
  Fixture f;
  auto env = ResolveEnvIn(f.b, TagRef("app", "prod"));
  ASSERT_TRUE(env.ok());
  const env::Layer& beta = f.m.layers[1];
  std::string bad = LayerBytes(kV1[1]);
  bad[0] ^= 1;
  f.b.Put(BlobKey(beta.sha256), bad, 0);
  PullOptions o;
  o.output_dir = f.dir / "out";
  auto r = Pull(f.b, *env, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "blob 'mem://store/blobs/" + beta.sha256 +
                ".tar.gz' (beta 2.0) is corrupt: it has 5000 bytes with sha256 " +
                index::Sha256Hex(bad) + ", the manifest says 5000 bytes with sha256 " +
                beta.sha256);
  EXPECT_FALSE(fs::exists(f.dir / "out"));

  ASSERT_TRUE(f.b.Remove(BlobKey(beta.sha256)).ok());
  r = Pull(f.b, *env, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "environment " + f.m.env_id.substr(0, 12) +
                                     " in store 'mem://store' is incomplete: the blob of beta 2.0 "
                                     "(blobs/" +
                                     beta.sha256 + ".tar.gz) is missing");
  EXPECT_EQ(r.error().kind(), ErrorKind::kNotFound);
  EXPECT_FALSE(fs::exists(f.dir / "out"));
  for (const auto& e : fs::directory_iterator(f.dir.path())) {
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
  }
}

TEST(PullTest, AFolderThatIsNotAnEnvironmentIsRefused) {
  Fixture f;
  auto env = ResolveEnvIn(f.b, TagRef("app", "prod"));
  ASSERT_TRUE(env.ok());
  WriteFile(f.dir / "mine/notes.txt", "keep me");
  PullOptions o;
  o.output_dir = f.dir / "mine";
  auto r = Pull(f.b, *env, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "output folder '" + (f.dir / "mine") +
                                     "' exists and is not a sparkenv environment: remove it or "
                                     "choose another");
  EXPECT_EQ(ReadFile(f.dir / "mine/notes.txt"), "keep me");
}

}  // namespace
}  // namespace sparkenv::store
