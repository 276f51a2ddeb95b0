// Fetcher with the real libcurl client against a scripted local server that
// misbehaves the way networks do: a connection cut mid-body (curl sees a
// short Content-Length body and retries), a body that ends early without any
// length to check (only the lock's size and sha256 catch it), a 404 page.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "fetch/fetcher.h"
#include "http/curl_client.h"
#include "index/sha256.h"

namespace sparkenv::fetch {
namespace {

namespace fs = std::filesystem;

const std::string& Payload() {
  static const std::string bytes = [] {
    std::string s;
    for (int i = 0; i < 5000; ++i) s += static_cast<char>('a' + i % 26);
    return s;
  }();
  return bytes;
}

// A one-thread HTTP/1.0-style server on 127.0.0.1: one response per
// connection, then close.
//   /whole            200, the payload with Content-Length
//   /cut-once         the first request gets Content-Length 5000 and 1200
//                     bytes, then the connection closes; later ones the whole
//   /cut              always cut like that
//   /short-unframed   200 with no Content-Length: 1200 bytes, then close
//   anything else     404 with an HTML body
class ScriptedServer {
 public:
  ScriptedServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd_, 16) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    close(fd_);
  }
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  bool ok() const { return port_ > 0; }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int Requests(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu_);
    return counts_[path];
  }

 private:
  void Loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      Serve(c);
      close(c);
    }
  }

  static void Send(int c, const std::string& data) {
    size_t sent = 0;
    while (sent < data.size()) {
      ssize_t n = send(c, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<size_t>(n);
    }
  }

  void Serve(int c) {
    std::string request;
    char buffer[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = recv(c, buffer, sizeof buffer, 0);
      if (n <= 0) return;
      request.append(buffer, static_cast<size_t>(n));
    }
    size_t start = request.find(' ') + 1;
    std::string path = request.substr(start, request.find(' ', start) - start);
    int count = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      count = ++counts_[path];
    }
    const std::string& body = Payload();
    std::string whole = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                        "\r\nConnection: close\r\n\r\n" + body;
    std::string cut = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                      "\r\nConnection: close\r\n\r\n" + body.substr(0, 1200);
    if (path == "/whole" || (path == "/cut-once" && count > 1)) {
      Send(c, whole);
    } else if (path == "/cut" || path == "/cut-once") {
      Send(c, cut);
    } else if (path == "/short-unframed") {
      Send(c, "HTTP/1.0 200 OK\r\n\r\n" + body.substr(0, 1200));
    } else {
      std::string page = "<h1>Not Found</h1>";
      Send(c, "HTTP/1.1 404 Not Found\r\nContent-Length: " + std::to_string(page.size()) +
                  "\r\nConnection: close\r\n\r\n" + page);
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::map<std::string, int> counts_;  // guarded by mu_
};

class CurlFetchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.ok());
    dir_ = ::testing::TempDir() + "/sparkenv_curl_fetch_" + std::to_string(getpid());
    fs::remove_all(dir_);
    http::CurlOptions options;
    options.initial_backoff = std::chrono::milliseconds(1);
    options.max_backoff = std::chrono::milliseconds(5);
    options.use_netrc = false;
    auto client = http::CurlClient::Create(options);
    ASSERT_TRUE(client.ok());
    client_ = std::move(client).value();
  }
  void TearDown() override { fs::remove_all(dir_); }

  FetchItem Item(const std::string& path) {
    return FetchItem{server_.Url(path), index::Sha256Hex(Payload()), Payload().size(),
                     "pkg-1.0.whl"};
  }
  size_t FilesInCache() {
    size_t n = 0;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file()) ++n;
    }
    return n;
  }

  ScriptedServer server_;
  std::string dir_;
  std::unique_ptr<http::CurlClient> client_;
};

TEST_F(CurlFetchTest, WholeFile) {
  Fetcher fetcher(*client_, BlobCache(dir_));
  auto paths = fetcher.Fetch({Item("/whole")});
  ASSERT_TRUE(paths.ok()) << paths.error().message();
  EXPECT_EQ(index::Sha256File((*paths)[0]).value(), index::Sha256Hex(Payload()));
  EXPECT_EQ(FilesInCache(), 1u);
}

TEST_F(CurlFetchTest, ConnectionCutOnceIsRetriedAndVerified) {
  Fetcher fetcher(*client_, BlobCache(dir_));
  auto paths = fetcher.Fetch({Item("/cut-once")});
  ASSERT_TRUE(paths.ok()) << paths.error().message();
  EXPECT_EQ(server_.Requests("/cut-once"), 2);
  EXPECT_EQ(index::Sha256File((*paths)[0]).value(), index::Sha256Hex(Payload()));
  EXPECT_EQ(FilesInCache(), 1u);
}

TEST_F(CurlFetchTest, ConnectionAlwaysCutFailsAfterRetriesLeavingNothing) {
  Fetcher fetcher(*client_, BlobCache(dir_));
  auto paths = fetcher.Fetch({Item("/cut")});
  ASSERT_FALSE(paths.ok());
  const std::string& m = paths.error().message();
  EXPECT_EQ(m.rfind("'pkg-1.0.whl': GET " + server_.Url("/cut") + ": ", 0), 0u) << m;
  EXPECT_NE(m.find("(after 3 attempts)"), std::string::npos) << m;
  EXPECT_EQ(server_.Requests("/cut"), 3);
  EXPECT_EQ(FilesInCache(), 0u);
}

TEST_F(CurlFetchTest, UnframedShortBodyIsCaughtByTheSize) {
  Fetcher fetcher(*client_, BlobCache(dir_));
  auto paths = fetcher.Fetch({Item("/short-unframed")});
  ASSERT_FALSE(paths.ok());
  EXPECT_EQ(paths.error().message(),
            "'pkg-1.0.whl' from " + server_.Url("/short-unframed") +
                ": size mismatch: expected 5000 bytes, got 1200 (truncated download)");
  EXPECT_EQ(FilesInCache(), 0u);

  // Without a size in the lock, the sha256 catches it.
  FetchItem no_size = Item("/short-unframed");
  no_size.size.reset();
  paths = fetcher.Fetch({no_size});
  ASSERT_FALSE(paths.ok());
  EXPECT_EQ(paths.error().message(), "'pkg-1.0.whl' from " + server_.Url("/short-unframed") +
                                         ": sha256 mismatch: expected " +
                                         index::Sha256Hex(Payload()) + ", got " +
                                         index::Sha256Hex(Payload().substr(0, 1200)));
  EXPECT_EQ(FilesInCache(), 0u);
}

TEST_F(CurlFetchTest, NotFoundPageIsNotKept) {
  Fetcher fetcher(*client_, BlobCache(dir_));
  auto paths = fetcher.Fetch({Item("/nothing-here")});
  ASSERT_FALSE(paths.ok());
  EXPECT_EQ(paths.error().message(),
            "'pkg-1.0.whl' from " + server_.Url("/nothing-here") + ": HTTP 404 (not found)");
  EXPECT_EQ(paths.error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(FilesInCache(), 0u);
}

}  // namespace
}  // namespace sparkenv::fetch
