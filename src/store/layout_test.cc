#include "store/layout.h"

#include <gtest/gtest.h>

#include "store/store.h"

namespace sparkenv::store {
namespace {

const std::string kId(64, 'a');

TEST(LayoutTest, KeysRoundTrip) {
  EXPECT_EQ(BlobKey(kId), "blobs/" + kId + ".tar.gz");
  EXPECT_EQ(EnvKey(kId), "envs/" + kId + ".json");
  EXPECT_EQ(TagKey("app", "prod"), "tags/app/prod.json");
  EXPECT_EQ(BlobFromKey(BlobKey(kId)), kId);
  EXPECT_EQ(EnvFromKey(EnvKey(kId)), kId);
  auto t = TagFromKey("tags/app/prod.json");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->ToString(), "app:prod");
}

TEST(LayoutTest, ListedKeysOutsideTheLayoutAreRejected) {
  for (const char* key :
       {"blobs/abc.tar.gz", "blobs/../x.tar.gz", "blobs/sub/x.tar.gz",
        "blobs/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.tar.gz"}) {
    EXPECT_FALSE(BlobFromKey(key)) << key;
  }
  for (const char* key : {"envs/x.json", "envs/" /* short */, "tags/a.json"}) {
    EXPECT_FALSE(EnvFromKey(key)) << key;
  }
  for (const char* key : {"tags/app.json", "tags/../etc/passwd.json", "tags/a/b/c.json",
                          "tags/.x/y.json", "tags/a/-y.json", "tags/a/y.txt", "tags/a b/c.json"}) {
    EXPECT_FALSE(TagFromKey(key)) << key;
  }
}

TEST(LayoutTest, TagArguments) {
  auto t = ParseTagArgument("myapp");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->ToString(), "myapp:latest");
  t = ParseTagArgument("myapp:v1.2");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->ToString(), "myapp:v1.2");
  t = ParseTagArgument("my/app:x");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().message(),
            "invalid tag 'my/app:x': the name 'my/app' must be 1-128 of A-Z a-z 0-9 . _ - "
            "starting with a letter or digit");
  t = ParseTagArgument("app:");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().message(),
            "invalid tag 'app:': the tag '' must be 1-128 of A-Z a-z 0-9 . _ - starting with a "
            "letter or digit");
  EXPECT_EQ(t.error().kind(), ErrorKind::kInvalidInput);
}

TEST(LayoutTest, TagJsonRoundTrips) {
  TagRecord r{"app", "prod", kId, "2025-06-01T10:22:03Z"};
  const std::string json = TagToJson(r);
  EXPECT_EQ(json, "{\n  \"env_id\": \"" + kId +
                      "\",\n  \"format\": \"sparkenv-tag/1\",\n  \"name\": \"app\",\n  \"tag\": "
                      "\"prod\",\n  \"updated\": \"2025-06-01T10:22:03Z\"\n}\n");
  auto back = TagFromJson(json, "S/tags/app/prod.json", {"app", "prod"});
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->env_id, kId);
  EXPECT_EQ(back->updated, r.updated);
}

TEST(LayoutTest, HostileTagsAreRefused) {
  const TagName expected{"app", "prod"};
  struct Case {
    std::string json;
    std::string message;
  } cases[] = {
      {R"({"env_id": "../../etc/passwd", "format": "sparkenv-tag/1", "name": "app", "tag": "prod", "updated": "2025-06-01T10:22:03Z"})",
       "S: env_id must be 64 lowercase hex digits (not a tag written by sparkenv)"},
      {R"({"env_id": ")" + kId +
           R"(", "format": "sparkenv-tag/1", "name": "other", "tag": "prod", "updated": "2025-06-01T10:22:03Z"})",
       "S: it names 'other:prod' but is stored as 'app:prod' (not a tag written by sparkenv)"},
      {R"({"env_id": ")" + kId +
           R"(", "format": "sparkenv-tag/2", "name": "app", "tag": "prod", "updated": "2025-06-01T10:22:03Z"})",
       "S: format 'sparkenv-tag/2' is not 'sparkenv-tag/1' (not a tag written by sparkenv)"},
      {R"({"env_id": ")" + kId +
           R"(", "format": "sparkenv-tag/1", "name": "app", "tag": "prod", "updated": "\u001b[2J"})",
       "S: updated must be an RFC 3339 UTC time (not a tag written by sparkenv)"},
      {R"({"env_id": 5})", "S: format must be a string (not a tag written by sparkenv)"},
      {"[]", "S: not a JSON object (not a tag written by sparkenv)"},
      {"", "S: not a JSON object (not a tag written by sparkenv)"},
  };
  for (const Case& c : cases) {
    auto r = TagFromJson(c.json, "S", expected);
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_EQ(r.error().message(), c.message);
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidInput);
  }
}

TEST(LayoutTest, Marker) {
  EXPECT_EQ(MarkerJson(), "{\n  \"format\": \"sparkenv-store/1\"\n}\n");
  EXPECT_TRUE(CheckMarker(MarkerJson(), "U").ok());
  EXPECT_TRUE(CheckMarker(R"({"format": "sparkenv-store/1.3"})", "U").ok());
  Status s = CheckMarker(R"({"format": "sparkenv-store/2"})", "U");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(),
            "store 'U' has format 'sparkenv-store/2', which this sparkenv does not read (it reads "
            "sparkenv-store/1): upgrade sparkenv");
  s = CheckMarker("nope", "U");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(),
            "U/sparkenv-store.json: not a sparkenv store marker (expected {\"format\": "
            "\"sparkenv-store/1\"})");
  s = CheckMarker(R"({"format": "other/1"})", "U");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(),
            "U/sparkenv-store.json: format 'other/1' is not a sparkenv store format");
}

TEST(LayoutTest, Times) {
  EXPECT_EQ(Rfc3339Utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(Rfc3339Utc(1748773323999), "2025-06-01T10:22:03Z");
  EXPECT_TRUE(IsRfc3339Utc("2025-06-01T10:22:03Z"));
  EXPECT_TRUE(IsRfc3339Utc("2025-06-01T10:22:03.123Z"));
  EXPECT_FALSE(IsRfc3339Utc("2025-06-01 10:22:03Z"));
  EXPECT_FALSE(IsRfc3339Utc("2025-06-01T10:22:03+01:00"));
  EXPECT_FALSE(IsRfc3339Utc("2025-06-01T10:22:03.Z"));
}

TEST(LayoutTest, Printable) {
  EXPECT_EQ(Printable("1.0"), "1.0");
  EXPECT_EQ(Printable("a\x1b[2Jb\n"), "a\\x1b[2Jb\\x0a");
}

}  // namespace
}  // namespace sparkenv::store
