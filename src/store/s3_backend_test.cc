// The s3 backend against a scripted in-memory HTTP client: the requests it
// sends (addressing, signing, multipart order, aborts) and how it maps
// answers to errors. The real server is tests/bed/tests/test_store_s3.py.
#include "store/s3_backend.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "base/strings.h"
#include "http/url.h"
#include "index/sha256.h"
#include "store/s3_sigv4.h"

namespace sparkenv::store {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSecret = "SECRET/key+1";
constexpr const char* kToken = "SESSION-TOKEN-0123456789";

struct Sent {
  http::Request request;
  std::string body;  // upload_body, or the file at upload_path
  std::string method() const { return http::MethodName(request.method); }
  // Path and query of the URL, after the endpoint.
  std::string target() const {
    http::UrlParts p = http::UrlParts::Parse(request.url);
    return p.path + (p.has_query ? "?" + p.query : "");
  }
  std::string header(std::string_view name) const {
    return http::FindHeader(request.headers, name).value_or("");
  }
};

http::Response Answer(long status, std::string body = "",  // NOLINT(google-runtime-int)
                      http::Headers headers = {}) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  r.attempts = 1;
  return r;
}

http::Response TransportError(const std::string& message) {
  http::Response r;
  r.attempts = 5;
  r.error = Error(message, ErrorKind::kIo);
  return r;
}

std::string ErrorXml(const std::string& code, const std::string& message = "") {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>" +
         message + "</Message></Error>";
}

// Answers each request with `handler`, synchronously, and records it.
class FakeClient : public http::Client {
 public:
  std::function<http::Response(const Sent&)> handler;

  void Submit(http::Request request, Callback done) override {
    Sent sent;
    sent.body = request.upload_body;
    if (request.upload_path) {
      std::ifstream in(*request.upload_path, std::ios::binary);
      std::stringstream s;
      s << in.rdbuf();
      sent.body = s.str();
    }
    if (request.on_upload_bytes && !sent.body.empty()) request.on_upload_bytes(sent.body.size());
    sent.request = request;
    http::Response r = handler(sent);
    r.url = request.url;
    if (request.body_path && !r.error) {
      std::ofstream(*request.body_path, std::ios::binary) << r.body;
      r.body.clear();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      sent_.push_back(std::move(sent));
    }
    done(std::move(r));
  }

  std::vector<Sent> sent() {
    std::lock_guard<std::mutex> lock(mu_);
    return sent_;
  }
  std::vector<std::string> Targets() {
    std::vector<std::string> out;
    for (const Sent& s : sent()) out.push_back(s.method() + " " + s.target());
    return out;
  }

 private:
  std::mutex mu_;
  std::vector<Sent> sent_;
};

class S3BackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/sparkenv_s3b_" + std::to_string(getpid()) + "_" +
           std::to_string(counter_++);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    env_ = {{"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
            {"AWS_SECRET_ACCESS_KEY", kSecret},
            {"AWS_ENDPOINT_URL", "http://127.0.0.1:9000"},
            {"HOME", dir_}};
    s3_.now = [] { return std::chrono::system_clock::from_time_t(1704164645); };  // 2024-01-02
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<Backend> Open(const std::string& url = "s3://bucket/p") {
    auto client = std::make_unique<FakeClient>();
    fake_ = client.get();
    fake_->handler = [](const Sent&) { return Answer(200); };
    OpenOptions options;
    options.getenv = [this](const std::string& name) {
      auto it = env_.find(name);
      return it == env_.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    auto b = OpenS3Backend(url, options, s3_, std::move(client));
    EXPECT_TRUE(b.ok()) << b.error().message();
    return b.ok() ? std::move(b).value() : nullptr;
  }
  std::string WriteFile(const std::string& name, const std::string& bytes) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  std::string dir_;
  std::map<std::string, std::string> env_;
  S3Options s3_;
  FakeClient* fake_ = nullptr;
  static inline int counter_ = 0;
};

// ---- addressing and signing (signatures computed with botocore) ----

TEST_F(S3BackendTest, PutIsPathStyleOnACustomEndpointAndSignedWithThePayloadHash) {
  auto b = Open();
  ASSERT_TRUE(b->Write("blobs/x.tar.gz", "hello", {}).ok());
  auto sent = fake_->sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].request.url, "http://127.0.0.1:9000/bucket/p/blobs/x.tar.gz");
  EXPECT_EQ(sent[0].method(), "PUT");
  EXPECT_EQ(sent[0].body, "hello");
  EXPECT_EQ(sent[0].header("host"), "127.0.0.1:9000");
  EXPECT_EQ(sent[0].header("x-amz-date"), "20240102T030405Z");
  EXPECT_EQ(sent[0].header("x-amz-content-sha256"), index::Sha256Hex("hello"));
  EXPECT_EQ(sent[0].header("authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
            "Signature=88ede636c4505a479221cf16dc722d8c3b2cd70373e3fe74bd52ea16e8a27a85");
  EXPECT_FALSE(sent[0].request.follow_redirects);
  EXPECT_EQ(b->counters().bytes_sent, 5u);
  EXPECT_EQ(b->counters().requests, 1u);
}

TEST_F(S3BackendTest, ListIsSignedWithItsQuery) {
  auto b = Open();
  int page = 0;
  fake_->handler = [&](const Sent&) {
    ++page;
    return Answer(200, page == 1 ? "<ListBucketResult><IsTruncated>true</IsTruncated>"
                                   "<NextContinuationToken>a/b=</NextContinuationToken>"
                                   "</ListBucketResult>"
                                 : "<ListBucketResult><IsTruncated>false</IsTruncated>"
                                   "</ListBucketResult>");
  };
  ASSERT_TRUE(b->List("blobs/").ok());
  auto sent = fake_->sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].request.url,
            "http://127.0.0.1:9000/bucket?continuation-token=a%2Fb%3D&list-type=2&"
            "prefix=p%2Fblobs%2F");
  EXPECT_EQ(sent[1].header("authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
            "Signature=7f355b1518177e71acd1d5969edcbe137292266f87e2a40953dbe166165eb8fb");
}

TEST_F(S3BackendTest, AwsIsVirtualHostedInTheConfiguredRegion) {
  env_.erase("AWS_ENDPOINT_URL");
  env_["AWS_REGION"] = "eu-west-1";
  env_["AWS_SESSION_TOKEN"] = kToken;
  auto b = Open("s3a://bucket/p");
  fake_->handler = [](const Sent&) { return Answer(200, "{}"); };
  auto r = b->Read("tags/app/latest.json");
  ASSERT_TRUE(r.ok()) << r.error().message();
  auto sent = fake_->sent();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].request.url,
            "https://bucket.s3.eu-west-1.amazonaws.com/p/tags/app/latest.json");
  EXPECT_EQ(sent[0].header("host"), "bucket.s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(sent[0].header("x-amz-security-token"), kToken);
  EXPECT_NE(sent[0]
                .header("authorization")
                .find("SignedHeaders=host;x-amz-content-sha256;"
                      "x-amz-date;x-amz-security-token, "),
            std::string::npos);
  EXPECT_EQ(b->DisplayUrl(), "s3a://bucket/p");
  EXPECT_EQ(b->HadoopUrl("blobs/abc.tar.gz"), "s3a://bucket/p/blobs/abc.tar.gz");
}

TEST_F(S3BackendTest, WithoutSessionTokenTheSignatureMatchesBotocore) {
  env_.erase("AWS_ENDPOINT_URL");
  env_["AWS_REGION"] = "eu-west-1";
  auto b = Open("s3://bucket/p");
  ASSERT_TRUE(b->Read("tags/app/latest.json").ok());
  EXPECT_EQ(fake_->sent()[0].header("authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/eu-west-1/s3/aws4_request, "
            "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
            "Signature=97c136a34e7950783c5c6e55bea5bc611bd0d8e253580982d79f48fdbfdd1154");
  EXPECT_EQ(b->HadoopUrl("x"), "s3a://bucket/p/x");
}

TEST_F(S3BackendTest, ReadableUrlsArePresignedLikeBotocoreDoes) {
  auto b = Open();
  auto url = b->ReadableUrl("blobs/abc.tar.gz", 3600);
  ASSERT_TRUE(url.ok()) << url.error().message();
  EXPECT_EQ(*url,
            "http://127.0.0.1:9000/bucket/p/blobs/abc.tar.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&"
            "X-Amz-Credential=AKIDEXAMPLE%2F20240102%2Fus-east-1%2Fs3%2Faws4_request&"
            "X-Amz-Date=20240102T030405Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&"
            "X-Amz-Signature=ed63b5417b02f28a399c726c05692fe3251dd32aa66e82bd557318f8631f457e");
  EXPECT_TRUE(fake_->sent().empty());  // signing sends nothing

  env_.erase("AWS_ENDPOINT_URL");
  env_["AWS_REGION"] = "eu-west-1";
  env_["AWS_SESSION_TOKEN"] = kToken;
  b = Open("s3://bucket/p");
  url = b->ReadableUrl("launch/x.jar", 3600);
  ASSERT_TRUE(url.ok()) << url.error().message();
  EXPECT_TRUE(StartsWith(*url, "https://bucket.s3.eu-west-1.amazonaws.com/p/launch/x.jar?"));
  EXPECT_NE(url->find("&X-Amz-Security-Token=SESSION-TOKEN-0123456789&"), std::string::npos);
  EXPECT_TRUE(EndsWith(
      *url, "&X-Amz-Signature=57dc1e6587bf6371c469ecf16581b7db41b19af801849a47210bc46cff046d37"));
  EXPECT_EQ(url->find(kSecret), std::string::npos);

  EXPECT_EQ(b->ReadableUrl("x", 604801).error().kind(), ErrorKind::kInternal);
  EXPECT_EQ(b->ReadableUrl("../x", 60).error().kind(), ErrorKind::kInternal);
}

TEST_F(S3BackendTest, BucketRootHasNoPrefix) {
  auto b = Open("s3://bucket");
  ASSERT_TRUE(b->Write("sparkenv-store.json", "{}", {}).ok());
  EXPECT_EQ(fake_->sent()[0].request.url, "http://127.0.0.1:9000/bucket/sparkenv-store.json");
  EXPECT_EQ(b->HadoopUrl("sparkenv-store.json"), "s3a://bucket/sparkenv-store.json");
  EXPECT_EQ(b->DisplayUrl(), "s3://bucket");
}

TEST_F(S3BackendTest, InvalidKeysAreInternalErrors) {
  auto b = Open();
  for (const char* key : {"", "../x", "a//b", "/abs", "a b"}) {
    Status s = b->Write(key, "x", {});
    ASSERT_FALSE(s.ok()) << key;
    EXPECT_EQ(s.error().kind(), ErrorKind::kInternal);
    EXPECT_FALSE(b->Read(key).ok());
    EXPECT_FALSE(b->Stat(key).ok());
    EXPECT_FALSE(b->Remove(key).ok());
  }
  auto l = b->List("a//");
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().message(), "s3 backend: invalid key prefix 'a//'");
  Status bad_sha = b->Upload(WriteFile("f", "x"), "k", {true, "ABC"});
  ASSERT_FALSE(bad_sha.ok());
  EXPECT_EQ(bad_sha.error().kind(), ErrorKind::kInternal);
  EXPECT_TRUE(fake_->sent().empty());
}

// ---- reads ----

TEST_F(S3BackendTest, StatReadsSizeAndMtime) {
  auto b = Open();
  fake_->handler = [](const Sent&) {
    return Answer(
        200, "",
        {{"content-length", "434234"}, {"last-modified", "Wed, 12 Oct 2009 17:50:30 GMT"}});
  };
  auto info = b->Stat("blobs/a.tar.gz");
  ASSERT_TRUE(info.ok()) << info.error().message();
  ASSERT_TRUE(info->has_value());
  EXPECT_EQ((*info)->key, "blobs/a.tar.gz");
  EXPECT_EQ((*info)->size, 434234u);
  EXPECT_EQ((*info)->mtime_ms, 1255369830000);
  EXPECT_EQ(fake_->Targets(), std::vector<std::string>{"HEAD /bucket/p/blobs/a.tar.gz"});
}

TEST_F(S3BackendTest, StatOfAMissingKeyChecksTheBucketOnce) {
  auto b = Open();
  fake_->handler = [](const Sent& s) { return Answer(s.target() == "/bucket" ? 200 : 404); };
  for (int i = 0; i < 2; ++i) {
    auto info = b->Stat("blobs/a.tar.gz");
    ASSERT_TRUE(info.ok()) << info.error().message();
    EXPECT_FALSE(info->has_value());
  }
  EXPECT_EQ(fake_->Targets(),
            (std::vector<std::string>{"HEAD /bucket/p/blobs/a.tar.gz", "HEAD /bucket",
                                      "HEAD /bucket/p/blobs/a.tar.gz"}));
}

TEST_F(S3BackendTest, StatInAMissingBucketIsAnError) {
  auto b = Open();
  fake_->handler = [](const Sent&) { return Answer(404); };
  auto info = b->Stat("blobs/a.tar.gz");
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(info.error().message(),
            "s3://bucket: the bucket 'bucket' does not exist at http://127.0.0.1:9000 (endpoint "
            "from AWS_ENDPOINT_URL)");
}

TEST_F(S3BackendTest, StatRefusedAsksAgainWithAGetForTheReason) {
  auto b = Open();
  fake_->handler = [](const Sent& s) {
    if (s.method() == "HEAD") return Answer(403);
    EXPECT_EQ(s.header("range"), "bytes=0-0");
    return Answer(403, ErrorXml("SignatureDoesNotMatch",
                                "The request signature we calculated "
                                "does not match"));
  };
  auto info = b->Stat("blobs/a.tar.gz");
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().message(),
            "s3://bucket/p/blobs/a.tar.gz: cannot stat: bad credentials: http://127.0.0.1:9000 "
            "refused the keys from the environment variables AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY (SignatureDoesNotMatch: The request signature we calculated "
            "does not match)");
  EXPECT_EQ(fake_->Targets(), (std::vector<std::string>{"HEAD /bucket/p/blobs/a.tar.gz",
                                                        "GET /bucket/p/blobs/a.tar.gz"}));
}

TEST_F(S3BackendTest, ReadAndDownload) {
  auto b = Open();
  fake_->handler = [](const Sent& s) {
    if (s.target() == "/bucket/p/envs/x.json") return Answer(200, "{\"a\": 1}");
    return Answer(404, ErrorXml("NoSuchKey", "The specified key does not exist."));
  };
  auto r = b->Read("envs/x.json");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "{\"a\": 1}");
  std::string path = dir_ + "/out";
  ASSERT_TRUE(b->Download("envs/x.json", path).ok());
  std::ifstream in(path);
  std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(got, "{\"a\": 1}");
  EXPECT_EQ(b->counters().bytes_received, 16u);

  r = b->Read("envs/missing.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(r.error().message(), "s3://bucket/p/envs/missing.json: no such object");
  Status d = b->Download("envs/missing.json", path);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(d.error().message(), "s3://bucket/p/envs/missing.json: no such object");
  EXPECT_FALSE(fs::exists(path)) << "the error document must not be left in the file";
}

TEST_F(S3BackendTest, ListFollowsContinuationTokensAndStripsThePrefix) {
  auto b = Open();
  fake_->handler = [](const Sent& s) {
    if (s.target().find("continuation-token=t1") == std::string::npos) {
      return Answer(200,
                    "<ListBucketResult><IsTruncated>true</IsTruncated>"
                    "<NextContinuationToken>t1</NextContinuationToken>"
                    "<Contents><Key>p/blobs/a.tar.gz</Key><Size>10</Size>"
                    "<LastModified>1970-01-01T00:00:02.000Z</LastModified></Contents>"
                    "<Contents><Key>p/blobs/</Key><Size>0</Size></Contents>"
                    "</ListBucketResult>");
    }
    return Answer(200,
                  "<ListBucketResult><IsTruncated>false</IsTruncated>"
                  "<Contents><Key>p/blobs/b.tar.gz</Key><Size>20</Size></Contents>"
                  "</ListBucketResult>");
  };
  auto list = b->List("blobs/");
  ASSERT_TRUE(list.ok()) << list.error().message();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].key, "blobs/a.tar.gz");
  EXPECT_EQ((*list)[0].size, 10u);
  EXPECT_EQ((*list)[0].mtime_ms, 2000);
  EXPECT_EQ((*list)[1].key, "blobs/b.tar.gz");
  EXPECT_EQ(fake_->Targets(),
            (std::vector<std::string>{"GET /bucket?list-type=2&prefix=p%2Fblobs%2F",
                                      "GET /bucket?continuation-token=t1&list-type=2&"
                                      "prefix=p%2Fblobs%2F"}));
  EXPECT_EQ(b->counters().requests, 2u);
}

TEST_F(S3BackendTest, ListPageSizeIsSentAsMaxKeys) {
  s3_.list_page_size = 3;
  auto b = Open("s3://bucket");
  fake_->handler = [](const Sent&) {
    return Answer(200, "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>");
  };
  ASSERT_TRUE(b->List("").ok());
  EXPECT_EQ(fake_->Targets(),
            std::vector<std::string>{"GET /bucket?list-type=2&max-keys=3&prefix="});
}

TEST_F(S3BackendTest, ListStopsOnARepeatedToken) {
  auto b = Open();
  fake_->handler = [](const Sent&) {
    return Answer(200,
                  "<ListBucketResult><IsTruncated>true</IsTruncated>"
                  "<NextContinuationToken>same</NextContinuationToken></ListBucketResult>");
  };
  auto list = b->List("");
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.error().message(),
            "s3://bucket/p: cannot list: the server repeated a continuation token");
}

// ---- writes ----

TEST_F(S3BackendTest, UploadSendsTheGivenSha256AndMapsAMismatch) {
  auto b = Open();
  std::string path = WriteFile("blob", "layer bytes");
  std::string wrong(64, 'a');
  fake_->handler = [&](const Sent& s) {
    if (s.header("x-amz-content-sha256") != index::Sha256Hex(s.body)) {
      return Answer(400, ErrorXml("XAmzContentSHA256Mismatch", "does not match"));
    }
    return Answer(200);
  };
  ASSERT_TRUE(b->Upload(path, "blobs/x.tar.gz", {true, index::Sha256Hex("layer bytes")}).ok());
  EXPECT_EQ(fake_->sent()[0].request.upload_path, path);
  Status s = b->Upload(path, "blobs/x.tar.gz", {true, wrong});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind(), ErrorKind::kIo);
  EXPECT_EQ(s.error().message(), "s3://bucket/p/blobs/x.tar.gz: the bytes of '" + path +
                                     "' do not have sha256 " + wrong +
                                     ": the server refused them (XAmzContentSHA256Mismatch); "
                                     "nothing was written");
  // Without a sha256 the backend hashes the file itself.
  ASSERT_TRUE(b->Upload(path, "blobs/y.tar.gz", {}).ok());
  EXPECT_EQ(fake_->sent()[2].header("x-amz-content-sha256"), index::Sha256Hex("layer bytes"));
  // Write checks a given sha256 before sending anything.
  Status w = b->Write("envs/e.json", "{}", {true, wrong});
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().message(),
            "s3://bucket/p/envs/e.json: the bytes to write do not have "
            "sha256 " +
                wrong + " (they hash to " + index::Sha256Hex("{}") + "); nothing was written");
  EXPECT_EQ(fake_->sent().size(), 3u);
}

TEST_F(S3BackendTest, UploadOfAMissingFile) {
  auto b = Open();
  Status s = b->Upload(dir_ + "/nope", "blobs/x.tar.gz", {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(), "s3://bucket/p/blobs/x.tar.gz: cannot upload: cannot read '" +
                                     dir_ + "/nope': No such file or directory");
  EXPECT_TRUE(fake_->sent().empty());
}

TEST_F(S3BackendTest, RemoveChecksTheBucketOnceAndIgnoresMissingKeys) {
  auto b = Open();
  fake_->handler = [](const Sent& s) { return Answer(s.method() == "HEAD" ? 200 : 204); };
  ASSERT_TRUE(b->Remove("tags/a/b.json").ok());
  ASSERT_TRUE(b->Remove("tags/a/c.json").ok());
  EXPECT_EQ(fake_->Targets(),
            (std::vector<std::string>{"DELETE /bucket/p/tags/a/b.json", "HEAD /bucket",
                                      "DELETE /bucket/p/tags/a/c.json"}));
  auto gone = Open();
  fake_->handler = [](const Sent& s) {
    return s.method() == "HEAD" ? Answer(404) : Answer(404, ErrorXml("NoSuchBucket"));
  };
  Status s = gone->Remove("tags/a/b.json");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind(), ErrorKind::kNotFound);
}

// ---- multipart ----

// Answers like S3: an upload id, an ETag per part, a result.
http::Response MultipartServer(const Sent& s) {
  std::string t = s.target();
  if (s.method() == "POST" && t.find("?uploads=") != std::string::npos) {
    return Answer(200,
                  "<InitiateMultipartUploadResult><UploadId>U1</UploadId>"
                  "</InitiateMultipartUploadResult>");
  }
  if (s.method() == "PUT") return Answer(200, "", {{"etag", "\"e-" + s.body + "\""}});
  if (s.method() == "POST") {
    return Answer(200,
                  "<CompleteMultipartUploadResult><ETag>\"x-3\"</ETag>"
                  "</CompleteMultipartUploadResult>");
  }
  return Answer(204);
}

class S3MultipartTest : public S3BackendTest {
 protected:
  void SetUp() override {
    S3BackendTest::SetUp();
    s3_.multipart_threshold = 10;
    s3_.part_size = 4;
    s3_.max_parts_in_flight = 2;
  }
};

TEST_F(S3MultipartTest, PartsThenCompleteInOrder) {
  auto b = Open();
  fake_->handler = MultipartServer;
  std::string path = WriteFile("big", "0123456789A");  // 11 bytes: 4 + 4 + 3
  ASSERT_TRUE(b->Upload(path, "blobs/big.tar.gz", {true, index::Sha256Hex("0123456789A")}).ok());
  auto sent = fake_->sent();
  ASSERT_EQ(sent.size(), 5u);
  EXPECT_EQ(sent[0].method() + " " + sent[0].target(), "POST /bucket/p/blobs/big.tar.gz?uploads=");
  EXPECT_EQ(sent[0].header("content-type"), "application/octet-stream");
  const char* parts[] = {"0123", "4567", "89A"};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(sent[i + 1].target(),
              "/bucket/p/blobs/big.tar.gz?partNumber=" + std::to_string(i + 1) + "&uploadId=U1");
    EXPECT_EQ(sent[i + 1].body, parts[i]);
    EXPECT_EQ(sent[i + 1].header("x-amz-content-sha256"), index::Sha256Hex(parts[i]));
  }
  EXPECT_EQ(sent[4].method() + " " + sent[4].target(),
            "POST /bucket/p/blobs/big.tar.gz?uploadId=U1");
  EXPECT_EQ(sent[4].header("content-type"), "application/xml");
  EXPECT_EQ(sent[4].body,
            "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            "<Part><PartNumber>1</PartNumber><ETag>&quot;e-0123&quot;</ETag></Part>"
            "<Part><PartNumber>2</PartNumber><ETag>&quot;e-4567&quot;</ETag></Part>"
            "<Part><PartNumber>3</PartNumber><ETag>&quot;e-89A&quot;</ETag></Part>"
            "</CompleteMultipartUpload>");
  EXPECT_EQ(sent[4].header("x-amz-content-sha256"), index::Sha256Hex(sent[4].body));
  EXPECT_EQ(b->counters().requests, 5u);
  EXPECT_EQ(b->counters().bytes_sent, 11u);  // object bytes only, not the XML
}

TEST_F(S3MultipartTest, WriteAboveTheThresholdIsMultipartToo) {
  auto b = Open();
  fake_->handler = MultipartServer;
  ASSERT_TRUE(b->Write("envs/e.json", "abcdefghijkl", {}).ok());
  EXPECT_EQ(fake_->sent().size(), 5u);  // initiate, 3 parts, complete
}

TEST_F(S3MultipartTest, AFailedPartAbortsAndNothingIsCompleted) {
  auto b = Open();
  fake_->handler = [](const Sent& s) {
    if (s.target().find("partNumber=2") != std::string::npos) {
      return TransportError(
          "PUT http://127.0.0.1:9000/bucket/p/blobs/big.tar.gz?partNumber=2&"
          "uploadId=U1: connection refused (after 5 attempts)");
    }
    return MultipartServer(s);
  };
  Status s = b->Upload(WriteFile("big", "0123456789A"), "blobs/big.tar.gz", {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(),
            "s3://bucket/p/blobs/big.tar.gz: cannot write part 2 of 3: PUT "
            "http://127.0.0.1:9000/bucket/p/blobs/big.tar.gz?partNumber=2&uploadId=U1: "
            "connection refused (after 5 attempts); the multipart upload was aborted, nothing "
            "was written");
  auto targets = fake_->Targets();
  EXPECT_EQ(targets.back(), "DELETE /bucket/p/blobs/big.tar.gz?uploadId=U1");
  for (const std::string& t : targets) EXPECT_NE(t, "POST /bucket/p/blobs/big.tar.gz?uploadId=U1");
}

TEST_F(S3MultipartTest, AWholeObjectHashMismatchAborts) {
  auto b = Open();
  fake_->handler = MultipartServer;
  std::string path = WriteFile("big", "0123456789A");
  std::string wrong(64, '0');
  Status s = b->Upload(path, "blobs/big.tar.gz", {true, wrong});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind(), ErrorKind::kIo);
  EXPECT_EQ(s.error().message(), "s3://bucket/p/blobs/big.tar.gz: the bytes of '" + path +
                                     "' do not have sha256 " + wrong + " (they hash to " +
                                     index::Sha256Hex("0123456789A") +
                                     "); the multipart upload was aborted, nothing was written");
  EXPECT_EQ(fake_->Targets().back(), "DELETE /bucket/p/blobs/big.tar.gz?uploadId=U1");
}

TEST_F(S3MultipartTest, AbortThatFailsTooIsSaid) {
  auto b = Open();
  fake_->handler = [](const Sent& s) {
    if (s.method() == "DELETE") return TransportError("DELETE ...: connection refused");
    if (s.target().find("partNumber=3") != std::string::npos) {
      return Answer(507);
    }
    return MultipartServer(s);
  };
  Status s = b->Upload(WriteFile("big", "0123456789A"), "blobs/big.tar.gz", {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(),
            "s3://bucket/p/blobs/big.tar.gz: cannot write part 3 of 3: the store is full (quota "
            "exceeded) (HTTP 507); nothing was written, but aborting the multipart upload failed "
            "too (its parts stay until a bucket lifecycle rule removes incomplete uploads)");
}

TEST_F(S3MultipartTest, CompleteAnsweringAnErrorIn200IsRetried) {
  auto b = Open();
  int completes = 0;
  fake_->handler = [&](const Sent& s) {
    if (s.method() == "POST" && s.target().find("?uploadId=") != std::string::npos &&
        ++completes == 1) {
      return Answer(200, ErrorXml("InternalError", "We encountered an internal error."));
    }
    return MultipartServer(s);
  };
  ASSERT_TRUE(b->Upload(WriteFile("big", "0123456789A"), "blobs/big.tar.gz", {}).ok());
  EXPECT_EQ(completes, 2);
}

TEST_F(S3MultipartTest, ARetriedCompleteThatAlreadySucceededIsAccepted) {
  auto b = Open();
  fake_->handler = [](const Sent& s) {
    if (s.method() == "POST" && s.target().find("?uploadId=") != std::string::npos) {
      http::Response r = Answer(404, ErrorXml("NoSuchUpload"));
      r.attempts = 2;  // the first attempt's answer was lost
      return r;
    }
    if (s.method() == "HEAD") {
      return Answer(200, "", {{"content-length", "11"}, {"etag", "\"abc-3\""}});
    }
    return MultipartServer(s);
  };
  ASSERT_TRUE(b->Upload(WriteFile("big", "0123456789A"), "blobs/big.tar.gz", {}).ok());
  EXPECT_EQ(fake_->Targets().back(), "HEAD /bucket/p/blobs/big.tar.gz");
}

TEST(S3PartPlanTest, Plans) {
  S3Options o;
  struct Case {
    uint64_t size, part_size, want_part, want_count, want_last;
  } cases[] = {
      {0, 8, 8, 0, 0},
      {1, 8, 8, 1, 1},
      {8, 8, 8, 1, 8},
      {9, 8, 8, 2, 1},
      {100 * S3Options::kMiB, 8 * S3Options::kMiB, 8 * S3Options::kMiB, 13, 4 * S3Options::kMiB},
      // 100 GiB in 8 MiB parts would be 12800 parts: grown to 11 MiB.
      {uint64_t{100} * 1024 * S3Options::kMiB, 8 * S3Options::kMiB, 11 * S3Options::kMiB, 9310,
       uint64_t{100} * 1024 * S3Options::kMiB - uint64_t{9309} * 11 * S3Options::kMiB},
  };
  for (const Case& c : cases) {
    o.part_size = c.part_size;
    S3PartPlan p = PlanParts(c.size, o);
    EXPECT_EQ(p.part_size, c.want_part) << c.size;
    EXPECT_EQ(p.count, c.want_count) << c.size;
    EXPECT_EQ(p.last_size, c.want_last) << c.size;
    EXPECT_LE(p.count, S3Options::kMaxParts);
  }
}

// ---- error mapping ----

TEST_F(S3BackendTest, ErrorsAreDistinctAndNameTheUrl) {
  const std::string u = "s3://bucket/p/envs/e.json: cannot read: ";
  const std::string keys = "the environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";
  struct Case {
    http::Response answer;
    ErrorKind kind;
    std::string message;
  } cases[] = {
      {Answer(403, ErrorXml("InvalidAccessKeyId",
                            "The AWS Access Key Id you provided does not "
                            "exist in our records.")),
       ErrorKind::kIo,
       u + "bad credentials: http://127.0.0.1:9000 refused the keys from " + keys +
           " (InvalidAccessKeyId: The AWS Access Key Id you provided does not exist in our "
           "records.)"},
      {Answer(400, ErrorXml("ExpiredToken", "The provided token has expired.")), ErrorKind::kIo,
       u + "bad credentials: http://127.0.0.1:9000 refused the keys from " + keys +
           " (ExpiredToken: The provided token has expired.)"},
      {Answer(403, ErrorXml("AccessDenied", "Access Denied")), ErrorKind::kIo,
       u + "permission denied to the keys from " + keys + " (AccessDenied: Access Denied)"},
      {Answer(403), ErrorKind::kIo,
       u + "permission denied to the keys from " + keys + " (HTTP 403)"},
      {Answer(403, ErrorXml("QuotaExceeded", "")), ErrorKind::kIo,
       u + "the store is full (quota exceeded) (QuotaExceeded)"},
      {Answer(400, ErrorXml("EntityTooLarge",
                            "Your proposed upload exceeds the maximum allowed "
                            "size")),
       ErrorKind::kIo,
       u + "the store is full (quota exceeded) (EntityTooLarge: Your proposed upload exceeds the "
           "maximum allowed size)"},
      {Answer(507, "Insufficient Storage"), ErrorKind::kIo,
       u + "the store is full (quota exceeded) (HTTP 507)"},
      {Answer(404, ErrorXml("NoSuchBucket", "The specified bucket does not exist")),
       ErrorKind::kNotFound,
       "s3://bucket: the bucket 'bucket' does not exist at http://127.0.0.1:9000 (endpoint from "
       "AWS_ENDPOINT_URL)"},
      {Answer(403, ErrorXml("RequestTimeTooSkewed",
                            "The difference between the request time "
                            "and the current time is too large.")),
       ErrorKind::kIo,
       u + "this machine's clock is too far from the server's; fix the clock "
           "(RequestTimeTooSkewed: The difference between the request time and the current "
           "time is too large.)"},
      {Answer(301, ErrorXml("PermanentRedirect", "use the right endpoint"),
              {{"x-amz-bucket-region", "eu-west-1"}}),
       ErrorKind::kIo,
       "s3://bucket: the bucket is in region eu-west-1, not us-east-1: set AWS_REGION=eu-west-1"},
      {Answer(400,
              "<Error><Code>AuthorizationHeaderMalformed</Code><Message>wrong region</Message>"
              "<Region>ap-south-1</Region></Error>"),
       ErrorKind::kIo,
       "s3://bucket: the bucket is in region ap-south-1, not us-east-1: set "
       "AWS_REGION=ap-south-1"},
      {Answer(307, "", {{"location", "http://elsewhere/"}}), ErrorKind::kIo,
       u + "http://127.0.0.1:9000 redirected to http://elsewhere/; check the endpoint and "
           "AWS_REGION (HTTP 307)"},
      {TransportError("GET http://127.0.0.1:9000/bucket/p/envs/e.json: HTTP 503 (after 5 "
                      "attempts)"),
       ErrorKind::kIo,
       u + "GET http://127.0.0.1:9000/bucket/p/envs/e.json: HTTP 503 (after 5 attempts)"},
      {Answer(418, "<html>teapot</html>"), ErrorKind::kIo,
       u + "http://127.0.0.1:9000 answered HTTP 418"},
      {Answer(400, ErrorXml("InvalidArgument", "bad")), ErrorKind::kIo,
       u + "http://127.0.0.1:9000 answered HTTP 400 (InvalidArgument: bad)"},
  };
  for (const Case& c : cases) {
    auto b = Open();
    http::Response answer = c.answer;
    fake_->handler = [answer](const Sent&) { return answer; };
    auto r = b->Read("envs/e.json");
    ASSERT_FALSE(r.ok()) << c.message;
    EXPECT_EQ(r.error().message(), c.message);
    EXPECT_EQ(r.error().kind(), c.kind) << c.message;
  }
}

TEST_F(S3BackendTest, SecretsAreScrubbedFromEverythingAServerEchoes) {
  env_["AWS_SESSION_TOKEN"] = kToken;
  auto b = Open();
  fake_->handler = [](const Sent&) {
    return Answer(403, ErrorXml("SignatureDoesNotMatch",
                                std::string("you sent ") + kSecret + " and " + kToken));
  };
  auto r = b->Read("envs/e.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message().find(kSecret), std::string::npos) << r.error().message();
  EXPECT_EQ(r.error().message().find(kToken), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("you sent *** and ***"), std::string::npos)
      << r.error().message();
}

TEST_F(S3BackendTest, PartsShareOneBudgetAcrossThreads) {
  s3_.multipart_threshold = 10;
  s3_.part_size = 4;
  s3_.max_parts_in_flight = 3;
  auto b = Open();
  std::mutex mu;
  int in_flight = 0;
  int most = 0;
  // An asynchronous fake: parts complete later, from another thread.
  struct Async : public http::Client {
    FakeClient* inner;
    std::mutex* mu;
    int* in_flight;
    int* most;
    std::vector<std::thread> threads;
    std::mutex threads_mu;
    void Submit(http::Request request, Callback done) override {
      bool part = request.url.find("partNumber=") != std::string::npos;
      if (!part) return inner->Submit(std::move(request), std::move(done));
      {
        std::lock_guard<std::mutex> lock(*mu);
        *most = std::max(*most, ++*in_flight);
      }
      std::lock_guard<std::mutex> lock(threads_mu);
      threads.emplace_back([this, request = std::move(request), done = std::move(done)]() mutable {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        {
          std::lock_guard<std::mutex> l(*mu);
          --*in_flight;
        }
        inner->Submit(std::move(request), std::move(done));
      });
    }
    ~Async() override {
      for (auto& t : threads) t.join();
    }
  };
  auto inner = std::make_unique<FakeClient>();
  inner->handler = MultipartServer;
  auto async = std::make_unique<Async>();
  async->inner = inner.get();
  async->mu = &mu;
  async->in_flight = &in_flight;
  async->most = &most;
  OpenOptions options;
  options.getenv = [this](const std::string& name) {
    auto it = env_.find(name);
    return it == env_.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  auto backend = OpenS3Backend("s3://bucket/p", options, s3_, std::move(async));
  ASSERT_TRUE(backend.ok());
  std::string data(40, 'x');  // 10 parts each
  std::vector<std::thread> uploads;
  uploads.reserve(3);
  std::vector<Status> results(3);
  for (int i = 0; i < 3; ++i) {
    uploads.emplace_back(
        [&, i] { results[i] = (*backend)->Write("blobs/b" + std::to_string(i), data, {}); });
  }
  for (auto& t : uploads) t.join();
  for (const Status& s : results) EXPECT_TRUE(s.ok()) << s.error().message();
  EXPECT_LE(most, 3);
  EXPECT_GE(most, 2);
  EXPECT_EQ(inner->sent().size(), 3u * 12u);
}

}  // namespace
}  // namespace sparkenv::store
