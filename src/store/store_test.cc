#include "store/store.h"

#include <gtest/gtest.h>

#include "store/open.h"

namespace sparkenv::store {
namespace {

TEST(ParseEnvRefTest, TagsAndIds) {
  auto r = ParseEnvRef("hdfs:///user/alice/envs/myapp:prod");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->kind, EnvRef::Kind::kTag);
  EXPECT_EQ(r->store_url, "hdfs:///user/alice/envs");
  EXPECT_EQ(r->name, "myapp");
  EXPECT_EQ(r->tag, "prod");

  r = ParseEnvRef("s3://bucket/envs/myapp");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->store_url, "s3://bucket/envs");
  EXPECT_EQ(r->tag, "latest");
  EXPECT_EQ(r->ToString(), "s3://bucket/envs/myapp:latest");

  r = ParseEnvRef("hdfs://nn:9000/envs@0123abcd");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kind, EnvRef::Kind::kId);
  EXPECT_EQ(r->store_url, "hdfs://nn:9000/envs");
  EXPECT_EQ(r->env_id, "0123abcd");
}

TEST(ParseEnvRefTest, BadReferencesNameTheRule) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"s3://b/envs@0123",
       "invalid environment reference 's3://b/envs@0123': an environment id is 8 to 64 lowercase "
       "hex digits"},
      {"s3://b/envs/my app",
       "invalid environment reference 's3://b/envs/my app': the name 'my app' must be 1-128 of A-Z "
       "a-z 0-9 . _ - starting with a letter or digit"},
      {"s3://b/envs/app:-x",
       "invalid environment reference 's3://b/envs/app:-x': the tag '-x' must be 1-128 of A-Z a-z "
       "0-9 . _ - starting with a letter or digit"},
      {"noslash",
       "invalid environment reference 'noslash': expected STORE/NAME[:TAG], STORE@ENVID or a "
       "folder written by 'sparkenv build'"},
      {"file:///app",
       "invalid environment reference 'file:///app': the store before '/app' is missing"},
  };
  for (const Case& c : cases) {
    auto r = ParseEnvRef(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.error().message(), c.message);
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidInput);
  }
}

TEST(OpenBackendTest, AStoreUrlNeverCarriesAPassword) {
  for (const char* url : {"s3://AKIA:secret@bucket/envs", "hdfs://alice:secret@nn:9870/envs",
                          "file://u:secret@host/x"}) {
    auto b = OpenBackend(url, OpenOptions{});
    ASSERT_FALSE(b.ok()) << url;
    EXPECT_EQ(b.error().message().find("secret"), std::string::npos) << b.error().message();
    EXPECT_NE(b.error().message().find(":***@"), std::string::npos) << b.error().message();
    EXPECT_EQ(b.error().kind(), ErrorKind::kInvalidInput);
  }
  auto r = ParseEnvRef("s3://AKIA:secret@bucket/envs@0123");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "invalid environment reference 's3://AKIA:***@bucket/envs@0123': an environment id is "
            "8 to 64 lowercase hex digits");
}

TEST(ValidNameTest, Rules) {
  EXPECT_TRUE(ValidName("myapp"));
  EXPECT_TRUE(ValidName("My.App_2-x"));
  EXPECT_FALSE(ValidName(""));
  EXPECT_FALSE(ValidName(".hidden"));
  EXPECT_FALSE(ValidName("a/b"));
  EXPECT_FALSE(ValidName(std::string(129, 'a')));
}

}  // namespace
}  // namespace sparkenv::store
