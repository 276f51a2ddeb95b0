#include "http/curl_client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "http/testdata/test_server.h"
#include "index/sha256.h"

namespace sparkenv::http {
namespace {

using std::chrono::milliseconds;

TEST(CurlPolicyTest, BackoffDoublesUpToTheCapWithEqualJitter) {
  CurlOptions o;
  o.initial_backoff = milliseconds(100);
  o.max_backoff = milliseconds(1000);
  EXPECT_EQ(BackoffDelay(o, 1, 0.0), milliseconds(50));
  EXPECT_EQ(BackoffDelay(o, 1, 0.999), milliseconds(99));
  EXPECT_EQ(BackoffDelay(o, 2, 0.0), milliseconds(100));
  EXPECT_EQ(BackoffDelay(o, 3, 0.0), milliseconds(200));
  EXPECT_EQ(BackoffDelay(o, 4, 1.0), milliseconds(800));
  EXPECT_EQ(BackoffDelay(o, 5, 1.0), milliseconds(1000));
  EXPECT_EQ(BackoffDelay(o, 60, 1.0), milliseconds(1000));
}

TEST(CurlPolicyTest, RetryableStatuses) {
  for (long s : {429L, 500L, 502L, 503L, 504L, 599L}) EXPECT_TRUE(IsRetryableStatus(s)) << s;
  for (long s : {200L, 206L, 304L, 400L, 401L, 403L, 404L, 406L, 501L, 505L}) {
    EXPECT_FALSE(IsRetryableStatus(s)) << s;
  }
}

TEST(CurlPolicyTest, RetryAfterSecondsOnly) {
  EXPECT_EQ(ParseRetryAfter("120"), milliseconds(120000));
  EXPECT_EQ(ParseRetryAfter(" 0 "), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT"), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("-1"), std::nullopt);
  EXPECT_EQ(ParseRetryAfter(""), std::nullopt);
}

TEST(CurlPolicyTest, HeaderLines) {
  auto h = ParseHeaderLine("Content-Type:  text/html; charset=utf-8 \r\n");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->first, "content-type");
  EXPECT_EQ(h->second, "text/html; charset=utf-8");
  EXPECT_EQ(ParseHeaderLine("HTTP/1.1 200 OK\r\n"), std::nullopt);
  EXPECT_EQ(ParseHeaderLine("\r\n"), std::nullopt);
  EXPECT_EQ(ParseHeaderLine("bad header: x"), std::nullopt);
}

// Integration tests against a local Python server (127.0.0.1 only).
class CurlClientTest : public ::testing::Test {
 protected:
  // One server for the suite: starting Python costs more than the tests.
  static void SetUpTestSuite() { server_ = new testing::FaultServer(); }
  static void TearDownTestSuite() {
    delete server_;  // NOLINT(cppcoreguidelines-owning-memory)
    server_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(server_->ok()) << "fault_server.py did not start"; }
  std::unique_ptr<CurlClient> MakeClient(CurlOptions o = {}) {
    o.initial_backoff = milliseconds(10);
    o.max_backoff = milliseconds(50);
    auto c = CurlClient::Create(o);
    EXPECT_TRUE(c.ok());
    return std::move(c).value();
  }
  Response Get(http::Client& c, const std::string& path, Headers headers = {}) {
    Request r;
    r.url = server_->Url(path);
    r.headers = std::move(headers);
    return c.Fetch(std::move(r)).get();
  }
  static inline testing::FaultServer* server_ = nullptr;
};

TEST_F(CurlClientTest, GetsBodyHeadersAndUserAgent) {
  auto c = MakeClient();
  Response r = Get(*c, "/ok");
  ASSERT_TRUE(r.ok()) << r.error->message();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello");
  EXPECT_EQ(r.Header("Content-Type"), "text/plain");
  EXPECT_EQ(r.attempts, 1);

  Response echo = Get(*c, "/echo", {{"Accept", "application/vnd.pypi.simple.v1+json"}});
  EXPECT_NE(echo.body.find("user-agent: sparkenv/"), std::string::npos) << echo.body;
  EXPECT_NE(echo.body.find("accept: application/vnd.pypi.simple.v1+json\n"), std::string::npos);
}

TEST_F(CurlClientTest, FollowsRedirectsAndReportsTheEffectiveUrl) {
  auto c = MakeClient();
  Response r = Get(*c, "/redirect");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello");
  EXPECT_EQ(r.effective_url, server_->Url("/ok"));
}

TEST_F(CurlClientTest, StatusesAreNotErrors) {
  auto c = MakeClient();
  Response r = Get(*c, "/status/404");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "status 404");
}

TEST_F(CurlClientTest, RetriesServerErrorsThenSucceeds) {
  auto c = MakeClient();
  Response r = Get(*c, "/fail/2/a");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "recovered");
  EXPECT_EQ(r.attempts, 3);
}

TEST_F(CurlClientTest, GivesUpAfterMaxAttempts) {
  auto c = MakeClient();
  Response r = Get(*c, "/fail/5/b");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(r.error->message(),
            "GET " + server_->Url("/fail/5/b") + ": HTTP 503 (after 3 attempts)");
  EXPECT_EQ(Get(*c, "/count/b").body, "3");
}

TEST_F(CurlClientTest, HonoursRetryAfter) {
  auto c = MakeClient();
  Response r = Get(*c, "/retry-after/k");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.body, "after");
  EXPECT_EQ(r.attempts, 2);
}

TEST_F(CurlClientTest, ConnectionRefusedNamesUrlAndAttempts) {
  auto c = MakeClient();
  Request req;
  req.url = "http://127.0.0.1:1/simple/x/";
  Response r = c->Fetch(req).get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->message(),
            "GET http://127.0.0.1:1/simple/x/: connection refused (after 3 attempts)");
  EXPECT_EQ(r.error->kind(), ErrorKind::kIo);
}

TEST_F(CurlClientTest, TimeoutsAreRetriedThenReported) {
  CurlOptions o;
  o.total_timeout = milliseconds(200);
  o.max_attempts = 2;
  auto c = MakeClient(o);
  Response r = Get(*c, "/slow");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->message(), "GET " + server_->Url("/slow") + ": timed out (after 2 attempts)");
}

TEST_F(CurlClientTest, PasswordsAreRedactedInErrors) {
  auto c = MakeClient();
  Request req;
  req.url = "http://user:secret@127.0.0.1:1/simple/";
  Response r = c->Fetch(req).get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->message(),
            "GET http://user:***@127.0.0.1:1/simple/: connection refused (after 3 attempts)");
}

TEST_F(CurlClientTest, CredentialsFromUrlAndNetrc) {
  auto c = MakeClient();
  Response r = Get(*c, "/echo");
  EXPECT_EQ(r.body.find("authorization:"), std::string::npos);

  Request req;
  req.url = "http://alice:pw@" + server_->Url("/echo").substr(7);
  Response with_url = c->Fetch(req).get();
  // base64("alice:pw") = YWxpY2U6cHc=
  EXPECT_NE(with_url.body.find("authorization: Basic YWxpY2U6cHc=\n"), std::string::npos)
      << with_url.body;
  // Later URLs of the same host without credentials get them too (as pip).
  Response later = Get(*c, "/echo");
  EXPECT_NE(later.body.find("authorization: Basic YWxpY2U6cHc=\n"), std::string::npos)
      << later.body;

  std::string netrc = ::testing::TempDir() + "/sparkenv_netrc";
  {
    std::ofstream f(netrc);
    f << "machine 127.0.0.1 login bob password secret\n";
  }
  CurlOptions o;
  o.netrc_file = netrc;
  auto with_netrc = MakeClient(o);
  Response n = Get(*with_netrc, "/echo");
  // base64("bob:secret") = Ym9iOnNlY3JldA==
  EXPECT_NE(n.body.find("authorization: Basic Ym9iOnNlY3JldA==\n"), std::string::npos) << n.body;
  std::remove(netrc.c_str());
}

TEST_F(CurlClientTest, RangeRequestsAndHead) {
  auto c = MakeClient();
  Response r = Get(*c, "/bytes", {{"Range", "bytes=-16"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.status, 206);
  ASSERT_EQ(r.body.size(), 16u);
  EXPECT_EQ(static_cast<unsigned char>(r.body[0]), 240);
  EXPECT_EQ(r.Header("content-range"), "bytes 4080-4095/4096");

  Request head;
  head.method = Method::kHead;
  head.url = server_->Url("/bytes");
  Response h = c->Fetch(head).get();
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.Header("content-length"), "4096");
  EXPECT_TRUE(h.body.empty());
}

TEST_F(CurlClientTest, BodyToFile) {
  auto c = MakeClient();
  std::string path = ::testing::TempDir() + "/sparkenv_body";
  Request req;
  req.url = server_->Url("/bytes");
  req.body_path = path;
  Response r = c->Fetch(req).get();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.body.empty());
  std::ifstream f(path, std::ios::binary);
  std::stringstream content;
  content << f.rdbuf();
  EXPECT_EQ(content.str().size(), 4096u);
  std::remove(path.c_str());
}

TEST_F(CurlClientTest, ManyRequestsUnderACap) {
  CurlOptions o;
  o.max_concurrent_transfers = 3;
  auto c = MakeClient(o);
  std::vector<Request> requests;
  for (int i = 0; i < 40; ++i) {
    Request r;
    r.url = server_->Url(i % 2 ? "/ok" : "/fail/1/many" + std::to_string(i));
    requests.push_back(r);
  }
  auto responses = c->FetchAll(requests);
  ASSERT_EQ(responses.size(), 40u);
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(responses[i].ok()) << i;
    EXPECT_EQ(responses[i].body, i % 2 ? "hello" : "recovered") << i;
    EXPECT_EQ(responses[i].url, requests[i].url);
  }
}

TEST_F(CurlClientTest, UploadsBodiesFromMemoryAndFiles) {
  auto c = MakeClient();
  std::string data(300000, 'x');
  data[7] = 'y';
  Request put;
  put.method = Method::kPut;
  put.url = server_->Url("/upload");
  put.upload_body = data;
  uint64_t sent = 0;
  put.on_upload_bytes = [&sent](size_t n) { sent += n; };
  Response r = c->Fetch(std::move(put)).get();
  ASSERT_TRUE(r.ok()) << r.error->message();
  EXPECT_EQ(r.body, "PUT 300000 " + index::Sha256Hex(data));
  EXPECT_EQ(sent, 300000U);

  std::string path = ::testing::TempDir() + "/upload.bin";
  {
    std::ofstream out(path, std::ios::binary);
    out << data;
  }
  Request post;
  post.method = Method::kPost;
  post.url = server_->Url("/upload");
  post.upload_path = path;
  r = c->Fetch(std::move(post)).get();
  ASSERT_TRUE(r.ok()) << r.error->message();
  EXPECT_EQ(r.body, "POST 300000 " + index::Sha256Hex(data));

  Request empty_post;
  empty_post.method = Method::kPost;
  empty_post.url = server_->Url("/upload");
  EXPECT_EQ(c->Fetch(std::move(empty_post)).get().body, "POST 0 " + index::Sha256Hex(""));

  Request del;
  del.method = Method::kDelete;
  del.url = server_->Url("/upload");
  EXPECT_EQ(c->Fetch(std::move(del)).get().body, "DELETE 0 " + index::Sha256Hex(""));
  std::remove(path.c_str());
}

TEST_F(CurlClientTest, RetriedUploadsSendTheWholeBodyAgain) {
  auto c = MakeClient();
  std::string path = ::testing::TempDir() + "/retry.bin";
  {
    std::ofstream out(path, std::ios::binary);
    out << "abcdef";
  }
  Request put;
  put.method = Method::kPut;
  put.url = server_->Url("/fail/1/put-retry");
  put.upload_path = path;
  uint64_t sent = 0;
  put.on_upload_bytes = [&sent](size_t n) { sent += n; };
  Response r = c->Fetch(std::move(put)).get();
  ASSERT_TRUE(r.ok()) << r.error->message();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(sent, 12U);  // the body went out twice, whole
  std::remove(path.c_str());

  Request missing;
  missing.method = Method::kPut;
  missing.url = server_->Url("/upload");
  missing.upload_path = ::testing::TempDir() + "/no-such-file";
  r = c->Fetch(std::move(missing)).get();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error->message().find("PUT " + server_->Url("/upload") + ": cannot read"),
            std::string::npos)
      << r.error->message();
}

TEST_F(CurlClientTest, RedirectsCanBeReturnedInsteadOfFollowed) {
  auto c = MakeClient();
  Request put;
  put.method = Method::kPut;
  put.url = server_->Url("/redirect307");
  put.upload_body = "body";
  put.follow_redirects = false;
  Response r = c->Fetch(std::move(put)).get();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.status, 307);
  EXPECT_EQ(r.Header("Location"), "/upload");
}

TEST_F(CurlClientTest, DestroyingTheClientCancelsPendingRequests) {
  std::future<Response> pending;
  {
    auto c = MakeClient();
    Request r;
    r.url = server_->Url("/slow");
    pending = c->Fetch(r);
  }
  Response r = pending.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->message(), "GET " + server_->Url("/slow") + ": cancelled");
}

}  // namespace
}  // namespace sparkenv::http
