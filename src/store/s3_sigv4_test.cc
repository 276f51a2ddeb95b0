#include "store/s3_sigv4.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "base/strings.h"
#include "http/url.h"
#include "index/sha256.h"

namespace sparkenv::store {
namespace {

// ---- AWS's published test suite (tests/fixtures/aws-sig-v4-test-suite) ----

std::string ReadFixture(const std::string& name) {
  std::ifstream in(
      std::string(SPARKENV_SOURCE_DIR) + "/tests/fixtures/aws-sig-v4-test-suite/" + name,
      std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Parses a suite .req file: "METHOD TARGET HTTP/1.1", "Name:value" lines,
// an empty line, the body.
bool ParseReq(const std::string& text, SigV4Request* out, std::string* body) {
  size_t line_end = text.find('\n');
  std::string first = text.substr(0, line_end);
  std::vector<std::string> words = Split(first, ' ');
  if (words.size() < 3) return false;
  out->method = words[0];
  // The target may hold spaces (get-space): everything between the method
  // and the protocol.
  std::string target = first.substr(words[0].size() + 1,
                                    first.size() - words[0].size() - 1 - words.back().size() - 1);
  size_t q = target.find('?');
  out->canonical_uri = UriEncode(http::PercentDecode(target.substr(0, q)), false);
  if (q != std::string::npos) {
    for (const std::string& pair : Split(target.substr(q + 1), '&')) {
      size_t eq = pair.find('=');
      out->query.emplace_back(
          http::PercentDecode(pair.substr(0, eq)),
          eq == std::string::npos ? "" : http::PercentDecode(pair.substr(eq + 1)));
    }
  }
  size_t pos = line_end == std::string::npos ? text.size() : line_end + 1;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    std::string line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? text.size() : end + 1;
    if (line.empty()) {
      *body = text.substr(pos);
      break;
    }
    size_t colon = line.find(':');
    if (colon == std::string::npos) return false;
    out->headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  out->payload_sha256 = index::Sha256Hex(*body);
  return true;
}

class SigV4SuiteTest : public ::testing::TestWithParam<const char*> {};

TEST_P(SigV4SuiteTest, MatchesCanonicalRequestStringToSignAndAuthorization) {
  std::string name = GetParam();
  std::string req = ReadFixture(name + ".req");
  ASSERT_FALSE(req.empty()) << "missing fixture " << name << ".req";
  SigV4Request request;
  std::string body;
  ASSERT_TRUE(ParseReq(req, &request, &body)) << name;

  std::string creq = CanonicalRequest(request);
  EXPECT_EQ(creq, ReadFixture(name + ".creq"));
  std::string scope = CredentialScope("20150830", "us-east-1", "service");
  std::string sts = StringToSign("20150830T123600Z", scope, creq);
  EXPECT_EQ(sts, ReadFixture(name + ".sts"));
  std::string signature = SignatureHex("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830",
                                       "us-east-1", "service", sts);
  EXPECT_EQ(AuthorizationHeader("AKIDEXAMPLE", scope, SignedHeaders(request.headers), signature),
            ReadFixture(name + ".authz"));
}

INSTANTIATE_TEST_SUITE_P(
    Aws, SigV4SuiteTest,
    ::testing::Values("get-vanilla", "get-vanilla-query", "get-vanilla-empty-query-key",
                      "get-vanilla-query-order-key", "get-vanilla-query-order-key-case",
                      "get-vanilla-query-order-value", "get-vanilla-query-order-encoded",
                      "get-vanilla-query-unreserved", "get-vanilla-utf8-query", "get-unreserved",
                      "get-utf8", "get-header-key-duplicate", "get-header-value-order",
                      "get-header-value-trim", "post-vanilla", "post-vanilla-query",
                      "post-vanilla-empty-query-value", "post-header-key-case",
                      "post-header-key-sort", "post-header-value-case",
                      "post-x-www-form-urlencoded", "post-x-www-form-urlencoded-parameters",
                      "post-sts-header-before", "post-sts-header-after", "get-space",
                      "get-special-character"),
    [](const ::testing::TestParamInfo<const char*>& param) {
      std::string n = param.param;
      for (char& c : n) {
        if (!IsAsciiAlnum(c)) c = '_';
      }
      return n;
    });

// ---- The S3 examples of AWS's documentation ("Signature Calculations for
// the Authorization Header: Transferring Payload in a Single Chunk"), with
// access key AKIAIOSFODNN7EXAMPLE, bucket examplebucket, on 2013-05-24. ----

constexpr const char* kS3DocSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

struct S3DocCase {
  const char* name;
  SigV4Request request;
  const char* canonical_request;
  const char* signature;
};

std::vector<S3DocCase> S3DocCases() {
  const std::string empty(kEmptySha256);
  return {
      {"GetObject",
       {"GET",
        "/test.txt",
        {},
        {{"Host", "examplebucket.s3.amazonaws.com"},
         {"Range", "bytes=0-9"},
         {"x-amz-content-sha256", empty},
         {"x-amz-date", "20130524T000000Z"}},
        empty},
       "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
       "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
       "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"},
      {"PutObject",
       {"PUT",
        UriEncode("/test$file.text", false),
        {},
        {{"Host", "examplebucket.s3.amazonaws.com"},
         {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
         {"x-amz-date", "20130524T000000Z"},
         {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
         {"x-amz-content-sha256", index::Sha256Hex("Welcome to Amazon S3.")}},
        index::Sha256Hex("Welcome to Amazon S3.")},
       "PUT\n/test%24file.text\n\ndate:Fri, 24 May 2013 00:00:00 GMT\n"
       "host:examplebucket.s3.amazonaws.com\n"
       "x-amz-content-sha256:44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\n"
       "x-amz-date:20130524T000000Z\nx-amz-storage-class:REDUCED_REDUNDANCY\n\n"
       "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n"
       "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
       "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"},
      {"GetBucketLifecycle",
       {"GET",
        "/",
        {{"lifecycle", ""}},
        {{"Host", "examplebucket.s3.amazonaws.com"},
         {"x-amz-content-sha256", empty},
         {"x-amz-date", "20130524T000000Z"}},
        empty},
       "GET\n/\nlifecycle=\nhost:examplebucket.s3.amazonaws.com\n"
       "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
       "x-amz-date:20130524T000000Z\n\nhost;x-amz-content-sha256;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"},
      {"ListObjects",
       {"GET",
        "/",
        {{"prefix", "J"}, {"max-keys", "2"}},
        {{"Host", "examplebucket.s3.amazonaws.com"},
         {"x-amz-content-sha256", empty},
         {"x-amz-date", "20130524T000000Z"}},
        empty},
       "GET\n/\nmax-keys=2&prefix=J\nhost:examplebucket.s3.amazonaws.com\n"
       "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
       "x-amz-date:20130524T000000Z\n\nhost;x-amz-content-sha256;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"},
  };
}

TEST(SigV4Test, S3DocumentationExamples) {
  for (const S3DocCase& c : S3DocCases()) {
    SCOPED_TRACE(c.name);
    std::string creq = CanonicalRequest(c.request);
    EXPECT_EQ(creq, c.canonical_request);
    std::string scope = CredentialScope("20130524", "us-east-1", "s3");
    std::string sts = StringToSign("20130524T000000Z", scope, creq);
    EXPECT_EQ(SignatureHex(kS3DocSecret, "20130524", "us-east-1", "s3", sts), c.signature);
  }
}

TEST(SigV4Test, SignRequestAddsTheS3HeadersAndSignsThem) {
  // The GetObject example again, through SignRequest: same signature.
  SigV4Request request{"GET",
                       "/test.txt",
                       {},
                       {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"}},
                       std::string(kEmptySha256)};
  AwsCredentials credentials{"AKIAIOSFODNN7EXAMPLE", kS3DocSecret, "", "test"};
  auto when = std::chrono::system_clock::from_time_t(1369353600);  // 2013-05-24T00:00:00Z
  std::string authorization = SignRequest(&request, credentials, "us-east-1", "s3", when);
  EXPECT_EQ(authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(http::FindHeader(request.headers, "x-amz-date"), "20130524T000000Z");
  EXPECT_EQ(http::FindHeader(request.headers, "x-amz-content-sha256"), std::string(kEmptySha256));
  EXPECT_FALSE(http::FindHeader(request.headers, "x-amz-security-token"));
  EXPECT_EQ(authorization.find(kS3DocSecret), std::string::npos);
}

TEST(SigV4Test, PresignQueryGivesTheDocumentedPresignedUrl) {
  // "Authenticating Requests: Using Query Parameters (AWS Signature Version
  // 4)", the example GET of examplebucket/test.txt valid for 86400 s (the
  // signature botocore's S3SigV4QueryAuth gives too).
  SigV4Request request{"GET", "/test.txt", {}, {{"Host", "examplebucket.s3.amazonaws.com"}}, ""};
  AwsCredentials credentials{"AKIAIOSFODNN7EXAMPLE", kS3DocSecret, "", "test"};
  auto when = std::chrono::system_clock::from_time_t(1369353600);  // 2013-05-24T00:00:00Z
  EXPECT_EQ(PresignQuery(&request, credentials, "us-east-1", "s3", when, 86400),
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2F"
            "us-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&"
            "X-Amz-SignedHeaders=host&X-Amz-Signature="
            "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
  EXPECT_EQ(request.headers.size(), 1u);  // nothing the holder of the URL would have to send

  SigV4Request temporary{"GET", "/k", {}, {{"host", "h"}}, ""};
  AwsCredentials session{"ASIA", "secret-sentinel", "TOKEN/with+chars==", "test"};
  std::string query = PresignQuery(&temporary, session, "eu-west-1", "s3", when, 60);
  EXPECT_NE(query.find("&X-Amz-Security-Token=TOKEN%2Fwith%2Bchars%3D%3D&"), std::string::npos)
      << query;
  EXPECT_EQ(query.find("secret-sentinel"), std::string::npos);
}

TEST(SigV4Test, SessionTokenIsSentAndSigned) {
  SigV4Request request{"GET", "/", {}, {{"host", "h"}}, std::string(kEmptySha256)};
  AwsCredentials credentials{"AKID", "secret", "TOKEN/with+chars==", "test"};
  std::string authorization = SignRequest(&request, credentials, "eu-west-1", "s3",
                                          std::chrono::system_clock::from_time_t(0));
  EXPECT_EQ(http::FindHeader(request.headers, "x-amz-security-token"), "TOKEN/with+chars==");
  EXPECT_NE(authorization.find("Credential=AKID/19700101/eu-west-1/s3/aws4_request, "
                               "SignedHeaders=host;x-amz-content-sha256;x-amz-date;"
                               "x-amz-security-token, Signature="),
            std::string::npos)
      << authorization;
}

TEST(SigV4Test, UriEncode) {
  struct Case {
    const char* in;
    bool encode_slash;
    const char* out;
  } cases[] = {
      {"blobs/abc.tar.gz", false, "blobs/abc.tar.gz"},
      {"blobs/abc.tar.gz", true, "blobs%2Fabc.tar.gz"},
      {"-._~AZaz09", true, "-._~AZaz09"},
      {"a b+c=d&e", false, "a%20b%2Bc%3Dd%26e"},
      {"\xE1\x88\xB4", false, "%E1%88%B4"},
      {"%", false, "%25"},
      {"a*b", false, "a%2Ab"},
      {"", false, ""},
  };
  for (const Case& c : cases) EXPECT_EQ(UriEncode(c.in, c.encode_slash), c.out) << c.in;
}

TEST(SigV4Test, CanonicalQueryStringSortsByEncodedNameThenValue) {
  EXPECT_EQ(CanonicalQueryString({}), "");
  EXPECT_EQ(CanonicalQueryString({{"uploads", ""}}), "uploads=");
  EXPECT_EQ(CanonicalQueryString({{"partNumber", "2"}, {"uploadId", "a/b+c"}}),
            "partNumber=2&uploadId=a%2Fb%2Bc");
  EXPECT_EQ(CanonicalQueryString(
                {{"prefix", "p/blobs/"}, {"list-type", "2"}, {"continuation-token", "x y="}}),
            "continuation-token=x%20y%3D&list-type=2&prefix=p%2Fblobs%2F");
  // Uppercase sorts before lowercase (byte order).
  EXPECT_EQ(CanonicalQueryString({{"b", "1"}, {"B", "2"}, {"a", "2"}, {"a", "1"}}),
            "B=2&a=1&a=2&b=1");
}

TEST(SigV4Test, AmzDate) {
  EXPECT_EQ(AmzDate(std::chrono::system_clock::from_time_t(1440938160)), "20150830T123600Z");
}

}  // namespace
}  // namespace sparkenv::store
