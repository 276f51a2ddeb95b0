#include "index/cache.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "http/curl_client.h"
#include "http/testdata/fake_client.h"
#include "http/testdata/test_server.h"

namespace sparkenv::index {
namespace {

class TempDir {
 public:
  TempDir() {
    path_ = ::testing::TempDir() + "/sparkenv_cache_" + std::to_string(getpid()) + "_" +
            std::to_string(counter_++);
    std::filesystem::remove_all(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

TEST(CacheControlTest, Directives) {
  auto cc = CacheControl::Parse("max-age=600, public");
  EXPECT_EQ(cc.max_age, 600);
  EXPECT_FALSE(cc.no_cache);
  cc = CacheControl::Parse("No-Cache, NO-STORE, max-age=\"5\"");
  EXPECT_TRUE(cc.no_cache);
  EXPECT_TRUE(cc.no_store);
  EXPECT_EQ(cc.max_age, 5);
  EXPECT_EQ(CacheControl::Parse("max-age=abc").max_age, std::nullopt);
  EXPECT_EQ(CacheControl::Parse("").max_age, std::nullopt);
}

TEST(HttpCacheTest, StoresAtomicallyAndLoadsByUrlAndAccept) {
  TempDir dir;
  HttpCache cache(dir.path());
  EXPECT_EQ(cache.dir(), dir.path() + "/simple-v1");
  CacheEntry e;
  e.url = "http://h/simple/x/";
  e.effective_url = e.url;
  e.stored_at = 100;
  e.etag = "\"abc\"";
  e.max_age = 600;
  e.content_type = "text/html";
  e.body = std::string("binary\0body\nwith lines", 22);
  ASSERT_TRUE(cache.Store("json", e).ok());
  auto loaded = cache.Load(e.url, "json");
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->body, e.body);
  EXPECT_EQ(loaded->etag, e.etag);
  EXPECT_EQ(loaded->max_age, 600);
  EXPECT_EQ(loaded->stored_at, 100);
  EXPECT_EQ(loaded->content_type, "text/html");
  EXPECT_TRUE(loaded->IsFresh(699));
  EXPECT_FALSE(loaded->IsFresh(700));
  EXPECT_FALSE(cache.Load(e.url, "html"));  // another Accept is another entry
  // No temporary files are left beside the entry.
  int files = 0;
  for (const auto& f : std::filesystem::recursive_directory_iterator(cache.dir())) {
    files += f.is_regular_file() ? 1 : 0;
  }
  EXPECT_EQ(files, 1);
  // A corrupt entry reads as absent.
  std::ofstream(cache.PathFor(e.url, "json")) << "garbage";
  EXPECT_FALSE(cache.Load(e.url, "json"));
}

TEST(HttpCacheTest, ConcurrentWritersNeverTearAnEntry) {
  TempDir dir;
  HttpCache cache(dir.path());
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 50; ++i) {
        CacheEntry e;
        e.url = "http://h/x/";
        e.stored_at = 1;
        e.body = std::string(20000, static_cast<char>('a' + t));
        (void)cache.Store("", e);
        auto got = cache.Load("http://h/x/", "");
        ASSERT_TRUE(got);
        ASSERT_EQ(got->body.size(), 20000u);
        ASSERT_EQ(got->body.find_first_not_of(got->body[0]), std::string::npos);
      }
    });
  }
  for (auto& th : threads) th.join();
}

TEST(HttpCacheTest, DefaultRootHonoursTheEnvironment) {
  const char* old = std::getenv("SPARKENV_CACHE_DIR");
  std::string saved = old ? old : "";
  setenv("SPARKENV_CACHE_DIR", "/tmp/somewhere", 1);
  EXPECT_EQ(*DefaultCacheRoot(), "/tmp/somewhere");
  if (old) {
    setenv("SPARKENV_CACHE_DIR", saved.c_str(), 1);
  } else {
    unsetenv("SPARKENV_CACHE_DIR");
  }
}

class CachingClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new http::testing::FaultServer(); }
  static void TearDownTestSuite() {
    delete server_;  // NOLINT(cppcoreguidelines-owning-memory)
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(server_->ok());
    http::CurlOptions o;
    o.initial_backoff = std::chrono::milliseconds(10);
    auto c = http::CurlClient::Create(o);
    ASSERT_TRUE(c.ok());
    curl_ = std::shared_ptr<http::Client>(std::move(c).value());
  }
  http::Response Get(http::Client& c, const std::string& path) {
    http::Request r;
    r.url = server_->Url(path);
    r.headers = {{"Accept", "text/html"}};
    return c.Fetch(r).get();
  }
  std::string Count(const std::string& key) {
    http::Request r;
    r.url = server_->Url("/count/" + key);
    return curl_->Fetch(r).get().body;
  }
  static inline http::testing::FaultServer* server_ = nullptr;
  std::shared_ptr<http::Client> curl_;
  TempDir dir_;
};

TEST_F(CachingClientTest, RevalidatesWithTheEtag) {
  CachingClient client(curl_, HttpCache(dir_.path()));
  http::Response first = Get(client, "/etag/r1");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first.body, "body of r1");
  EXPECT_EQ(first.Header("x-sparkenv-cache"), "miss");
  http::Response second = Get(client, "/etag/r1");  // max-age=0: revalidate, 304
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.body, "body of r1");
  EXPECT_EQ(second.Header("x-sparkenv-cache"), "revalidated");
  EXPECT_EQ(Count("r1"), "2");
}

TEST_F(CachingClientTest, FreshEntriesAreServedWithoutARequest) {
  CachingClient client(curl_, HttpCache(dir_.path()));
  ASSERT_TRUE(Get(client, "/etag/r2?max_age=600").ok());
  http::Response again = Get(client, "/etag/r2?max_age=600");
  EXPECT_EQ(again.body, "body of r2");
  EXPECT_EQ(again.Header("x-sparkenv-cache"), "hit");
  EXPECT_EQ(Count("r2"), "1");

  CachingClient refresh(curl_, HttpCache(dir_.path()), CacheMode::kRefresh);
  EXPECT_EQ(Get(refresh, "/etag/r2?max_age=600").Header("x-sparkenv-cache"), "revalidated");
  EXPECT_EQ(Count("r2"), "2");
}

TEST_F(CachingClientTest, OfflineServesTheCacheAloneAndNamesWhatIsMissing) {
  {
    CachingClient online(curl_, HttpCache(dir_.path()));
    ASSERT_TRUE(Get(online, "/etag/r3").ok());
  }
  CachingClient offline(nullptr, HttpCache(dir_.path()), CacheMode::kOffline);
  http::Response cached = Get(offline, "/etag/r3");
  ASSERT_TRUE(cached.ok());
  EXPECT_EQ(cached.body, "body of r3");
  EXPECT_EQ(cached.Header("x-sparkenv-cache"), "offline");
  EXPECT_EQ(Count("r3"), "1");

  http::Response missing = Get(offline, "/etag/never");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error->message(),
            "GET " + server_->Url("/etag/never") +
                ": not in the cache, and offline mode forbids the network (cache '" + dir_.path() +
                "/simple-v1')");
}

// Marks the entry of `url` with stored-at 1, to tell afterwards whether a
// request rewrote it.
void MarkEntry(const HttpCache& cache, const std::string& url) {
  auto e = cache.Load(url, "text/html");
  ASSERT_TRUE(e);
  e->stored_at = 1;
  ASSERT_TRUE(cache.Store("text/html", *e).ok());
}

TEST_F(CachingClientTest, AnUnchangedAnswerDoesNotRewriteTheEntry) {
  HttpCache cache(dir_.path());
  CachingClient client(curl_, cache);
  // 304 for an entry revalidated every time (max-age=0): its age is never read.
  ASSERT_TRUE(Get(client, "/etag/u1").ok());
  MarkEntry(cache, server_->Url("/etag/u1"));
  EXPECT_EQ(Get(client, "/etag/u1").Header("x-sparkenv-cache"), "revalidated");
  EXPECT_EQ(cache.Load(server_->Url("/etag/u1"), "text/html")->stored_at, 1);
  // 200 without validators, the same body as the entry's.
  ASSERT_TRUE(Get(client, "/ok").ok());
  MarkEntry(cache, server_->Url("/ok"));
  http::Response again = Get(client, "/ok");
  EXPECT_EQ(again.body, "hello");
  EXPECT_EQ(again.Header("x-sparkenv-cache"), "miss");
  EXPECT_EQ(cache.Load(server_->Url("/ok"), "text/html")->stored_at, 1);
}

TEST_F(CachingClientTest, AChangedOrAgeingAnswerRewritesTheEntry) {
  HttpCache cache(dir_.path());
  CachingClient client(curl_, cache);
  // A new body replaces the entry (/count/c1 counts the requests of
  // /etag/c1, made here past the cache).
  ASSERT_EQ(Get(client, "/count/c1").body, "0");
  MarkEntry(cache, server_->Url("/count/c1"));
  ASSERT_TRUE(Get(*curl_, "/etag/c1").ok());
  ASSERT_EQ(Get(client, "/count/c1").body, "1");
  auto changed = cache.Load(server_->Url("/count/c1"), "text/html");
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->body, "1");
  EXPECT_GT(changed->stored_at, 1);
  // A 304 for an entry whose age matters (max-age > 0) refreshes it.
  CachingClient refresh(curl_, cache, CacheMode::kRefresh);
  ASSERT_TRUE(Get(refresh, "/etag/u2?max_age=600").ok());
  MarkEntry(cache, server_->Url("/etag/u2?max_age=600"));
  EXPECT_EQ(Get(refresh, "/etag/u2?max_age=600").Header("x-sparkenv-cache"), "revalidated");
  EXPECT_GT(cache.Load(server_->Url("/etag/u2?max_age=600"), "text/html")->stored_at, 1);
}

TEST_F(CachingClientTest, ErrorsAndRangesPassThroughUncached) {
  CachingClient client(curl_, HttpCache(dir_.path()));
  EXPECT_EQ(Get(client, "/status/404").status, 404);
  EXPECT_FALSE(HttpCache(dir_.path()).Load(server_->Url("/status/404"), "text/html"));
  http::Request ranged;
  ranged.url = server_->Url("/bytes");
  ranged.headers = {{"Range", "bytes=0-9"}};
  http::Response r = client.Fetch(ranged).get();
  EXPECT_EQ(r.status, 206);
  EXPECT_FALSE(r.Header("x-sparkenv-cache").has_value());
}

}  // namespace
}  // namespace sparkenv::index
