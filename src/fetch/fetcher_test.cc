#include "fetch/fetcher.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "index/sha256.h"

namespace sparkenv::fetch {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    path_ = ::testing::TempDir() + "/sparkenv_fetch_" + std::to_string(getpid()) + "_" +
            std::to_string(counter_++);
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// An http::Client that serves bytes from memory and, like the curl client,
// writes the body to Request::body_path when one is given. `truncate_to`
// serves a shorter body with status 200 (a connection cut mid-way that the
// server did not flag). With `threaded`, each response comes from its own
// thread, as the real client's callbacks come from its event loop.
class FakeFileClient : public http::Client {
 public:
  struct File {
    std::string bytes;
    long status = 200;  // NOLINT(google-runtime-int)
    std::optional<size_t> truncate_to;
    std::optional<std::string> transport_error;
  };

  explicit FakeFileClient(bool threaded = false) : threaded_(threaded) {}
  ~FakeFileClient() override {
    std::lock_guard<std::mutex> lock(mu_);
    for (std::thread& t : threads_) t.join();
  }

  void Serve(const std::string& url, std::string bytes, long status = 200) {  // NOLINT
    files_[url].bytes = std::move(bytes);
    files_[url].status = status;
  }
  // Serves only the first `n` bytes, with status 200.
  void Truncate(const std::string& url, size_t n) { files_[url].truncate_to = n; }
  void FailTransport(const std::string& url, std::string message) {
    files_[url].transport_error = std::move(message);
  }

  void Submit(http::Request request, Callback done) override {
    std::unique_lock<std::mutex> lock(mu_);
    requests_.push_back(request.url);
    if (!threaded_) {
      lock.unlock();  // `done` may submit the next download
      done(Answer(request));
      return;
    }
    threads_.emplace_back([this, request, done] { done(Answer(request)); });
  }

  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  http::Response Answer(const http::Request& request) const {
    http::Response r;
    r.url = request.url;
    r.effective_url = request.url;
    r.attempts = 1;
    auto it = files_.find(request.url);
    if (it == files_.end()) {
      r.status = 404;
      if (request.body_path) WriteFile(*request.body_path, "<h1>Not Found</h1>");
      return r;
    }
    const File& f = it->second;
    if (f.transport_error) {
      r.attempts = 3;
      r.error = Error("GET " + request.url + ": " + *f.transport_error, ErrorKind::kIo);
      return r;
    }
    r.status = f.status;
    std::string body = f.truncate_to ? f.bytes.substr(0, *f.truncate_to) : f.bytes;
    if (request.body_path) {
      WriteFile(*request.body_path, body);
    } else {
      r.body = body;
    }
    return r;
  }

  bool threaded_;
  std::map<std::string, File> files_;
  std::mutex mu_;
  std::vector<std::string> requests_;  // guarded by mu_
  std::vector<std::thread> threads_;   // guarded by mu_
};

FetchItem Item(const std::string& url, const std::string& bytes, const std::string& name = "") {
  return FetchItem{url, index::Sha256Hex(bytes), bytes.size(), name};
}

// Every file under the blob folder, relative names.
std::vector<std::string> BlobFiles(const BlobCache& cache) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(cache.dir(), ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->is_regular_file()) names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

FetchOptions TwoWorkers() {
  FetchOptions options;
  options.workers = 2;
  return options;
}

TEST(FetcherTest, MissDownloadsVerifiesAndStoresThenHitUsesNoNetwork) {
  TempDir dir;
  FakeFileClient client;
  std::string a = "wheel a bytes", b = std::string(100'000, 'b');
  client.Serve("http://h/files/a-1.0-py3-none-any.whl", a);
  client.Serve("http://h/files/b-2.0-py3-none-any.whl", b);
  Fetcher fetcher(client, BlobCache(dir.path()));
  std::vector<FetchItem> items = {Item("http://h/files/a-1.0-py3-none-any.whl", a),
                                  Item("http://h/files/b-2.0-py3-none-any.whl", b)};
  FetchStats stats;
  auto paths = fetcher.Fetch(items, &stats);
  ASSERT_TRUE(paths.ok()) << paths.error().message();
  ASSERT_EQ(paths->size(), 2u);
  EXPECT_EQ((*paths)[0], dir.path() + "/blobs-v1/sha256/" + items[0].sha256.substr(0, 2) + "/" +
                             items[0].sha256);
  EXPECT_EQ(ReadFile((*paths)[0]), a);
  EXPECT_EQ(ReadFile((*paths)[1]), b);
  EXPECT_EQ(stats.hits, 0u);
  EXPECT_EQ(stats.downloaded, 2u);
  EXPECT_EQ(stats.bytes, a.size() + b.size());
  EXPECT_EQ(client.requests().size(), 2u);
  // Only the two blobs: no temporary file is left behind.
  EXPECT_EQ(BlobFiles(fetcher.cache()).size(), 2u);

  Fetcher again(client, BlobCache(dir.path()));
  auto second = again.Fetch(items, &stats);
  ASSERT_TRUE(second.ok()) << second.error().message();
  EXPECT_EQ(*second, *paths);
  EXPECT_EQ(stats.hits, 2u);
  EXPECT_EQ(stats.downloaded, 0u);
  EXPECT_EQ(client.requests().size(), 2u) << "a cache hit must not touch the network";
}

TEST(FetcherTest, SameBlobListedTwiceIsFetchedOnce) {
  TempDir dir;
  FakeFileClient client;
  client.Serve("http://h/x.whl", "same");
  client.Serve("http://mirror/x.whl", "same");
  Fetcher fetcher(client, BlobCache(dir.path()));
  auto paths = fetcher.Fetch({Item("http://h/x.whl", "same"), Item("http://mirror/x.whl", "same")});
  ASSERT_TRUE(paths.ok()) << paths.error().message();
  EXPECT_EQ((*paths)[0], (*paths)[1]);
  EXPECT_EQ(client.requests().size(), 1u);
}

TEST(FetcherTest, HashMismatchLandsNothingInTheCache) {
  TempDir dir;
  FakeFileClient client;
  client.Serve("http://h/evil.whl", "tampered bytes");
  Fetcher fetcher(client, BlobCache(dir.path()));
  FetchItem item = Item("http://h/evil.whl", "original bytes");
  item.size = std::nullopt;
  auto paths = fetcher.Fetch({item});
  ASSERT_FALSE(paths.ok());
  EXPECT_EQ(paths.error().message(),
            "'evil.whl' from http://h/evil.whl: sha256 mismatch: expected " + item.sha256 +
                ", got " + index::Sha256Hex("tampered bytes"));
  EXPECT_EQ(paths.error().kind(), ErrorKind::kIo);
  EXPECT_TRUE(BlobFiles(fetcher.cache()).empty());
  EXPECT_FALSE(fetcher.cache().Find(item.sha256));
}

TEST(FetcherTest, TruncatedBodyIsASizeMismatch) {
  TempDir dir;
  FakeFileClient client;
  std::string bytes(5000, 'w');
  client.Serve("http://h/big.whl", bytes);
  client.Truncate("http://h/big.whl", 1200);
  Fetcher fetcher(client, BlobCache(dir.path()));
  auto paths = fetcher.Fetch({Item("http://h/big.whl", bytes, "big-1.0.whl")});
  ASSERT_FALSE(paths.ok());
  EXPECT_EQ(paths.error().message(),
            "'big-1.0.whl' from http://h/big.whl: size mismatch: expected 5000 bytes, got 1200 "
            "(truncated download)");
  EXPECT_TRUE(BlobFiles(fetcher.cache()).empty());
}

TEST(FetcherTest, EveryFailureIsReportedWithItsOwnMessage) {
  TempDir dir;
  FakeFileClient client;
  client.Serve("http://h/ok.whl", "fine");
  client.Serve("http://h/private.whl", "x", 403);
  client.FailTransport("http://down/c.whl", "connection refused (after 3 attempts)");
  client.Serve("http://h/bad.whl", "not what the lock says");
  Fetcher fetcher(client, BlobCache(dir.path()));
  FetchItem bad = Item("http://h/bad.whl", "expected");
  bad.size = std::nullopt;
  auto paths =
      fetcher.Fetch({Item("http://h/ok.whl", "fine"), Item("http://h/gone.whl", "g"),
                     Item("http://h/private.whl", "x"), Item("http://down/c.whl", "c"), bad});
  ASSERT_FALSE(paths.ok());
  EXPECT_EQ(paths.error().message(),
            "cannot fetch 4 of 5 files:\n"
            "  'gone.whl' from http://h/gone.whl: HTTP 404 (not found)\n"
            "  'private.whl' from http://h/private.whl: HTTP 403 (forbidden)\n"
            "  'c.whl': GET http://down/c.whl: connection refused (after 3 attempts)\n"
            "  'bad.whl' from http://h/bad.whl: sha256 mismatch: expected " +
                bad.sha256 + ", got " + index::Sha256Hex("not what the lock says"));
  EXPECT_EQ(paths.error().kind(), ErrorKind::kIo);
  // The good file verified, so it stays cached; nothing else (no 404 page,
  // no temporary file) is left.
  EXPECT_EQ(BlobFiles(fetcher.cache()), std::vector<std::string>{index::Sha256Hex("fine")});
}

TEST(FetcherTest, OnlyNotFoundIsKindNotFound) {
  TempDir dir;
  FakeFileClient client;
  Fetcher fetcher(client, BlobCache(dir.path()));
  auto paths = fetcher.Fetch({Item("http://h/a.whl", "a")});
  ASSERT_FALSE(paths.ok());
  EXPECT_EQ(paths.error().message(), "'a.whl' from http://h/a.whl: HTTP 404 (not found)");
  EXPECT_EQ(paths.error().kind(), ErrorKind::kNotFound);
}

TEST(FetcherTest, MalformedItemsFetchNothing) {
  TempDir dir;
  FakeFileClient client;
  client.Serve("http://h/a.whl", "a");
  Fetcher fetcher(client, BlobCache(dir.path()));
  FetchItem short_hash{"http://h/a.whl", "abc123", std::nullopt, ""};
  FetchItem ftp{"ftp://h/b.whl", index::Sha256Hex("b"), std::nullopt, "b.whl"};
  FetchItem remote_file{"file://other-host/c.whl", index::Sha256Hex("c"), std::nullopt, ""};
  auto paths = fetcher.Fetch({Item("http://h/a.whl", "a"), short_hash, ftp, remote_file});
  ASSERT_FALSE(paths.ok());
  EXPECT_EQ(paths.error().message(),
            "invalid files to fetch:\n"
            "  'a.whl': invalid sha256 'abc123': expected 64 hex digits\n"
            "  'b.whl': unsupported URL 'ftp://h/b.whl': expected http://, https:// or file://\n"
            "  'c.whl': unsupported URL 'file://other-host/c.whl': a file:// URL must name a "
            "local path (no host)");
  EXPECT_EQ(paths.error().kind(), ErrorKind::kInvalidInput);
  EXPECT_TRUE(client.requests().empty());
}

TEST(FetcherTest, UpperCaseHashIsAccepted) {
  TempDir dir;
  FakeFileClient client;
  client.Serve("http://h/a.whl", "a");
  Fetcher fetcher(client, BlobCache(dir.path()));
  FetchItem item = Item("http://h/a.whl", "a");
  std::string lower = item.sha256;
  for (char& c : item.sha256) c = static_cast<char>(std::toupper(c));
  auto paths = fetcher.Fetch({item});
  ASSERT_TRUE(paths.ok()) << paths.error().message();
  EXPECT_TRUE(fetcher.cache().Find(lower));
}

TEST(FetcherTest, FileUrlsAreCopiedAndVerified) {
  TempDir dir;
  TempDir links;
  WriteFile(links.path() + "/pkg 1.0.whl", "local wheel");
  FakeFileClient client;
  Fetcher fetcher(client, BlobCache(dir.path()));
  std::string url = "file://" + links.path() + "/pkg%201.0.whl";
  auto paths = fetcher.Fetch({Item(url, "local wheel")});
  ASSERT_TRUE(paths.ok()) << paths.error().message();
  EXPECT_EQ(ReadFile((*paths)[0]), "local wheel");
  EXPECT_TRUE(fs::exists(links.path() + "/pkg 1.0.whl")) << "the source stays";
  EXPECT_TRUE(client.requests().empty());

  auto wrong = fetcher.Fetch({Item(url, "other")});
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message().find("'pkg 1.0.whl' from " + url + ": size mismatch"),
            std::string::npos)
      << wrong.error().message();

  auto missing = fetcher.Fetch({Item("file://" + links.path() + "/gone.whl", "g")});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(), "'gone.whl' from file://" + links.path() +
                                           "/gone.whl: cannot read '" + links.path() +
                                           "/gone.whl': No such file or directory");
  EXPECT_EQ(missing.error().kind(), ErrorKind::kNotFound);
}

TEST(FetcherTest, ConcurrentFetchersOfTheSameBlobBothSucceed) {
  TempDir dir;
  FakeFileClient client(/*threaded=*/true);
  std::vector<FetchItem> items;
  for (int i = 0; i < 20; ++i) {
    std::string bytes = "blob " + std::to_string(i) + std::string(20'000 + i, 'z');
    std::string url = "http://h/f" + std::to_string(i) + ".whl";
    client.Serve(url, bytes);
    items.push_back(Item(url, bytes));
  }
  std::vector<Result<std::vector<std::string>>> results(4, Error(""));
  std::vector<std::thread> threads;
  for (size_t t = 0; t < results.size(); ++t) {
    threads.emplace_back([&, t] {
      Fetcher fetcher(client, BlobCache(dir.path()), TwoWorkers());
      results[t] = fetcher.Fetch(items);
    });
  }
  for (std::thread& t : threads) t.join();
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.error().message();
    for (size_t i = 0; i < items.size(); ++i) {
      EXPECT_EQ(index::Sha256File((*r)[i]).value(), items[i].sha256);
    }
  }
  // Exactly the 20 blobs, no temporary file left behind.
  EXPECT_EQ(BlobFiles(BlobCache(dir.path())).size(), items.size());
}

TEST(FetcherTest, StaleTempFilesAreIgnoredAndRemoved) {
  TempDir dir;
  BlobCache cache(dir.path());
  std::string bytes = "the real wheel";
  FetchItem item = Item("http://h/w.whl", bytes);
  // A kill -9 left a partial download at the blob's temp path, long ago,
  // and another one just now.
  std::string old_temp = cache.NewTempPath(item.sha256).value();
  WriteFile(old_temp, "the re");
  fs::last_write_time(old_temp, fs::file_time_type::clock::now() - std::chrono::hours(25));
  std::string fresh_temp = cache.NewTempPath(item.sha256).value();
  WriteFile(fresh_temp, "the");
  EXPECT_FALSE(cache.Find(item.sha256)) << "a temp file is never a hit";

  FakeFileClient client;
  client.Serve(item.url, bytes);
  Fetcher fetcher(client, cache);
  auto paths = fetcher.Fetch({item});
  ASSERT_TRUE(paths.ok()) << paths.error().message();
  EXPECT_EQ(ReadFile((*paths)[0]), bytes);
  EXPECT_FALSE(fs::exists(old_temp));
  EXPECT_TRUE(fs::exists(fresh_temp)) << "a young temp file may be another process's download";
}

TEST(FetcherTest, CachedBlobWithAnotherSizeIsAnError) {
  TempDir dir;
  FakeFileClient client;
  client.Serve("http://h/a.whl", "abc");
  Fetcher fetcher(client, BlobCache(dir.path()));
  ASSERT_TRUE(fetcher.Fetch({Item("http://h/a.whl", "abc")}).ok());
  FetchItem lying = Item("http://h/a.whl", "abc");
  lying.size = 4;
  auto paths = fetcher.Fetch({lying});
  ASSERT_FALSE(paths.ok());
  EXPECT_EQ(paths.error().message(),
            "'a.whl' from http://h/a.whl: size mismatch: expected 4 bytes, but the file with this "
            "sha256 has 3");
}

}  // namespace
}  // namespace sparkenv::fetch

namespace sparkenv::fetch {
namespace {

TEST(FetcherTest, OnReadyIsCalledForEveryVerifiedFileBeforeFetchReturns) {
  TempDir dir;
  FakeFileClient client;
  client.Serve("http://h/a.whl", "aaa");
  client.Serve("http://h/b.whl", "bbb");
  client.Serve("http://h/bad.whl", "tampered");
  Fetcher fetcher(client, BlobCache(dir.path()), TwoWorkers());
  ASSERT_TRUE(fetcher.Fetch({Item("http://h/a.whl", "aaa")}).ok());  // a: a hit below
  std::mutex mu;
  std::map<size_t, std::string> ready;
  auto record = [&](size_t i, const std::string& path) {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_TRUE(ready.emplace(i, ReadFile(path)).second) << "twice: " << i;
  };
  auto paths = fetcher.Fetch(
      {Item("http://h/a.whl", "aaa"), Item("http://h/b.whl", "bbb"), Item("http://h/b.whl", "bbb")},
      nullptr, record);
  ASSERT_TRUE(paths.ok()) << paths.error().message();
  EXPECT_EQ(ready, (std::map<size_t, std::string>{{0, "aaa"}, {1, "bbb"}, {2, "bbb"}}));

  ready.clear();
  auto failed = fetcher.Fetch({Item("http://h/bad.whl", "original"), Item("http://h/a.whl", "aaa")},
                              nullptr, record);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(ready, (std::map<size_t, std::string>{{1, "aaa"}})) << "never for a failed file";
}

}  // namespace
}  // namespace sparkenv::fetch

namespace sparkenv::fetch {
namespace {

TEST(FetcherTest, BiggestFilesAreFetchedFirstWithinTheLimits) {
  TempDir dir;
  FakeFileClient client;
  std::vector<FetchItem> items;
  for (auto [name, size] : {std::pair{"small", 10}, {"big", 3000}, {"medium", 500}}) {
    std::string data(static_cast<size_t>(size), name[0]);
    client.Serve(std::string("http://h/") + name, data);
    items.push_back(Item(std::string("http://h/") + name, data));
  }
  FetchOptions options = TwoWorkers();
  options.max_transfers = 1;
  Fetcher fetcher(client, BlobCache(dir.path()), options);
  auto paths = fetcher.Fetch(items);
  ASSERT_TRUE(paths.ok()) << paths.error().message();
  std::vector<std::string> order;
  for (const auto& r : client.requests()) order.push_back(r);
  EXPECT_EQ(order, (std::vector<std::string>{"http://h/big", "http://h/medium", "http://h/small"}));
  for (size_t i = 0; i < items.size(); ++i) EXPECT_EQ(ReadFile((*paths)[i]).size(), *items[i].size);
}

}  // namespace
}  // namespace sparkenv::fetch
