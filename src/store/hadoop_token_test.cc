#include "store/hadoop_token.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace sparkenv::store {
namespace {

const std::string kTestdata = std::string(SPARKENV_SOURCE_DIR) + "/src/store/testdata/";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Written by Hadoop 3.5.0's own Credentials and Token classes:
//   java -cp "$BED_HADOOP_CLASSPATH/*" tests/bed/hadoop/WriteTokenFile.java
//     src/store/testdata/tokens-<format>.bin <format>
//     "a=HDFS_DELEGATION_TOKEN@127.0.0.1:8020:ident-one:pass-one"
//     "b=WEBHDFS
//     delegation@ha-webhdfs:ns1:ident-two-with-a-longer-identifier-for-a-two-byte-vint-x...x:pass-two"
//     "c=kms-dt@kms-host:9600:ident-three:pass-three"
// (one command line; x...x is 87 x's)
// which printed each token's encodeToUrlString():
const char* const kHadoopEncoded[] = {
    "CWlkZW50LW9uZQhwYXNzLW9uZRVIREZTX0RFTEVHQVRJT05fVE9LRU4OMTI3LjAuMC4xOjgwMjA",
    "j45pZGVudC10d28td2l0aC1hLWxvbmdlci1pZGVudGlmaWVyLWZvci1hLXR3by1ieXRlLXZpbnQteHh4eHh4eHh4eHh4eH"
    "h4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4"
    "eHh4CHBhc3MtdHdvEldFQkhERlMgZGVsZWdhdGlvbg5oYS13ZWJoZGZzOm5zMQ",
    "C2lkZW50LXRocmVlCnBhc3MtdGhyZWUGa21zLWR0DWttcy1ob3N0Ojk2MDA",
};

TEST(HadoopTokenTest, ReadsBothStorageFormatsAsHadoopWroteThem) {
  for (const char* format : {"protobuf", "writable"}) {
    SCOPED_TRACE(format);
    std::string path = kTestdata + "tokens-" + format + ".bin";
    auto tokens = ParseTokenStorage(ReadFile(path), path);
    ASSERT_TRUE(tokens.ok()) << tokens.error().message();
    ASSERT_EQ(tokens->size(), 3u);
    EXPECT_EQ((*tokens)[0].identifier, "ident-one");
    EXPECT_EQ((*tokens)[0].password, "pass-one");
    EXPECT_EQ((*tokens)[0].kind, "HDFS_DELEGATION_TOKEN");
    EXPECT_EQ((*tokens)[0].service, "127.0.0.1:8020");
    EXPECT_EQ((*tokens)[1].kind, "WEBHDFS delegation");
    EXPECT_EQ((*tokens)[1].service, "ha-webhdfs:ns1");
    EXPECT_EQ((*tokens)[1].identifier.size(), 142u);
    EXPECT_EQ((*tokens)[2].kind, "kms-dt");
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_EQ((*tokens)[i].EncodeToUrlString(), kHadoopEncoded[i]) << i;
    }
  }
}

TEST(HadoopTokenTest, DecodeIsTheInverseOfEncode) {
  for (const char* encoded : kHadoopEncoded) {
    auto t = HadoopToken::DecodeFromUrlString(encoded);
    ASSERT_TRUE(t.ok()) << t.error().message();
    EXPECT_EQ(t->EncodeToUrlString(), encoded);
  }
  auto padded = HadoopToken::DecodeFromUrlString(std::string(kHadoopEncoded[0]) + "=\n");
  ASSERT_TRUE(padded.ok());
  EXPECT_EQ(padded->identifier, "ident-one");
}

TEST(HadoopTokenTest, MalformedInputIsNamedNeverEchoed) {
  auto bad = HadoopToken::DecodeFromUrlString("not base64!secret");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(),
            "a delegation token must be URL-safe base64 (Token.encodeToUrlString)");
  auto truncated = HadoopToken::DecodeFromUrlString("CWlkZW50LW9uZQhwYXNz");
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.error().message(),
            "a delegation token must hold identifier, password, kind and service "
            "(Token.encodeToUrlString); this one does not decode");

  auto not_hdts = ParseTokenStorage("HDXX\x01", "/t/creds");
  ASSERT_FALSE(not_hdts.ok());
  EXPECT_EQ(not_hdts.error().message(),
            "token file '/t/creds': not a Hadoop token storage file (no HDTS header)");
  auto version = ParseTokenStorage(std::string("HDTS\x07", 5), "/t/creds");
  ASSERT_FALSE(version.ok());
  EXPECT_EQ(version.error().message(), "token file '/t/creds': unknown token storage version 7");
  std::string whole = ReadFile(kTestdata + "tokens-writable.bin");
  auto cut = ParseTokenStorage(whole.substr(0, 40), "/t/creds");
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error().message(), "token file '/t/creds': token 1 is truncated");
  std::string proto = ReadFile(kTestdata + "tokens-protobuf.bin");
  auto cut_proto = ParseTokenStorage(proto.substr(0, 60), "/t/creds");
  ASSERT_FALSE(cut_proto.ok());
  EXPECT_EQ(cut_proto.error().message(), "token file '/t/creds': truncated protobuf message");
}

TEST(HadoopTokenTest, SelectsByServiceInOrderAndNeverAnotherClustersToken) {
  std::string path = kTestdata + "tokens-protobuf.bin";
  auto tokens = ParseTokenStorage(ReadFile(path), path);
  ASSERT_TRUE(tokens.ok());
  auto a = SelectHdfsToken(*tokens, {"nn.example.com:8020", "127.0.0.1:8020"});
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->identifier, "ident-one");
  auto b = SelectHdfsToken(*tokens, {"ha-webhdfs:ns1", "127.0.0.1:8020"});
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->identifier.substr(0, 9), "ident-two");
  EXPECT_FALSE(SelectHdfsToken(*tokens, {"ha-hdfs:other", "10.0.0.1:8020"}).has_value());
  // A token of another kind is never picked, even for its service.
  EXPECT_FALSE(SelectHdfsToken(*tokens, {"kms-host:9600"}).has_value());
}

}  // namespace
}  // namespace sparkenv::store
