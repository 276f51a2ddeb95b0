// The WebHDFS backend against an in-memory fake of the NameNode and
// DataNode REST APIs (the real thing is tests/bed/tests/test_store_hdfs.py):
// request forms, the write protocol, verification, retries, failover, error
// mapping and token redaction.
#include "store/webhdfs_backend.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "base/strings.h"
#include "http/url.h"
#include "store/hdfs_checksum.h"

namespace sparkenv::store {
namespace {

using http::Request;
using http::Response;

// Calls a handler for every request, synchronously, and records them.
class FakeClient : public http::Client {
 public:
  using Handler = std::function<Response(const Request&)>;
  explicit FakeClient(Handler handler) : handler_(std::move(handler)) {}
  void Submit(Request request, Callback done) override {
    Response r = handler_(request);
    r.url = request.url;
    if (r.effective_url.empty()) r.effective_url = request.url;
    {
      std::lock_guard<std::mutex> lock(mu_);
      urls_.push_back(http::MethodName(request.method) + std::string(" ") + request.url);
    }
    done(std::move(r));
  }
  std::vector<std::string> urls() {
    std::lock_guard<std::mutex> lock(mu_);
    return urls_;
  }

 private:
  Handler handler_;
  std::mutex mu_;
  std::vector<std::string> urls_;
};

Response Answer(long status, std::string body = "") {  // NOLINT(google-runtime-int)
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response Remote(long status, const std::string& exception,  // NOLINT(google-runtime-int)
                const std::string& message) {
  return Answer(status, R"({"RemoteException":{"exception":")" + exception +
                            R"(","javaClassName":"org.apache.hadoop.)" + exception +
                            R"(","message":")" + message + R"("}})");
}

Response Transport(const std::string& message) {
  Response r;
  r.error = Error(message, ErrorKind::kIo);
  return r;
}

std::map<std::string, std::string> Query(const std::string& url) {
  std::map<std::string, std::string> out;
  http::UrlParts p = http::UrlParts::Parse(url);
  for (const std::string& kv : Split(p.query, '&')) {
    size_t eq = kv.find('=');
    out[kv.substr(0, eq)] = eq == std::string::npos ? "" : http::PercentDecode(kv.substr(eq + 1));
  }
  return out;
}

std::string PathOf(const std::string& url) {
  std::string path = http::PercentDecode(http::UrlParts::Parse(url).path);
  return path.substr(std::string("/webhdfs/v1").size());
}

// An in-memory HDFS behind WebHDFS: NameNode at http://nn:9870, DataNode at
// http://dn:9864. Block size 1 MiB, CRC32C per 512 bytes.
class FakeHdfs {
 public:
  struct Node {
    bool dir = false;
    std::string data;
    std::string perm;
    std::string owner = "alice";
  };

  FakeHdfs() { nodes_["/"] = Node{true, "", "755", "hdfs"}; }

  Response Handle(const Request& req) {
    std::lock_guard<std::mutex> lock(mu_);
    std::map<std::string, std::string> q = Query(req.url);
    std::string path = PathOf(req.url);
    std::string op = q["op"];
    ops_.push_back(op + " " + path);
    if (before) {
      if (auto r = before(req, op, path)) return *r;
    }
    bool datanode = StartsWith(req.url, "http://dn:9864/");
    if (op == "CREATE" && !datanode) {
      Response r = Answer(307);
      std::string loc =
          "http://dn:9864/webhdfs/v1" + path + "?op=CREATE&namenoderpcaddress=nn:8020";
      for (const auto& [k, v] : q) {
        if (k != "op") loc += "&" + k + "=" + v;
      }
      r.headers.emplace_back("location", loc);
      return r;
    }
    if (op == "CREATE") {
      std::string body = req.upload_body;
      if (req.upload_path) {
        std::ifstream in(*req.upload_path, std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        body = s.str();
      }
      if (corrupt_next_write) {
        body[body.size() / 2] ^= 1;
        corrupt_next_write = false;
      }
      nodes_[path] = Node{false, body, q["permission"]};
      return Answer(201);
    }
    auto it = nodes_.find(path);
    if (op == "MKDIRS") {
      for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
        std::string p = path.substr(0, slash);
        if (!nodes_.count(p)) nodes_[p] = Node{true, "", q["permission"]};
        if (slash == std::string::npos) break;
      }
      return Answer(200, R"({"boolean":true})");
    }
    if (it == nodes_.end()) {
      if (op == "DELETE") return Answer(200, R"({"boolean":false})");
      return Remote(404, "FileNotFoundException", "File does not exist: " + path);
    }
    if (op == "GETFILESTATUS")
      return Answer(200, R"({"FileStatus":)" + Status(it->second, "") + "}");
    if (op == "LISTSTATUS") {
      std::string out = R"({"FileStatuses":{"FileStatus":[)";
      bool first = true;
      for (const auto& [p, n] : nodes_) {
        if (p.size() <= path.size() + 1 || !StartsWith(p, path + "/")) continue;
        if (p.find('/', path.size() + 1) != std::string::npos) continue;
        out += (first ? "" : ",") + Status(n, p.substr(path.size() + 1));
        first = false;
      }
      return Answer(200, out + "]}}");
    }
    if (op == "OPEN") return Answer(200, it->second.data);
    if (op == "GETFILECHECKSUM") {
      ChunkCrcs crcs(HdfsCrcType::kCrc32c, 512);
      crcs.Update(it->second.data.data(), it->second.data.size());
      HdfsFileChecksum c = crcs.FileChecksum(1 << 20);
      char head[25];
      std::snprintf(head, sizeof head, "%08x%016llx", c.bytes_per_crc,
                    static_cast<unsigned long long>(c.crc_per_block));  // NOLINT
      return Answer(200, R"({"FileChecksum":{"algorithm":")" + c.Algorithm() + R"(","bytes":")" +
                             head + c.Md5Hex() + R"(00000000","length":28}})");
    }
    if (op == "RENAME") {
      nodes_[q["destination"]] = it->second;
      nodes_.erase(it);
      return Answer(200);
    }
    if (op == "DELETE") {
      nodes_.erase(it);
      return Answer(200, R"({"boolean":true})");
    }
    if (op == "SETPERMISSION") {
      it->second.perm = q["permission"];
      return Answer(200);
    }
    return Remote(400, "IllegalArgumentException", "unknown op " + op);
  }

  static std::string Status(const Node& n, const std::string& name) {
    return R"({"pathSuffix":")" + name + R"(","type":")" + (n.dir ? "DIRECTORY" : "FILE") +
           R"(","length":)" + std::to_string(n.data.size()) +
           R"(,"modificationTime":1700000000000,"blockSize":1048576,"permission":")" + n.perm +
           R"(","owner":")" + n.owner + R"("})";
  }

  std::map<std::string, Node> nodes_;
  std::vector<std::string> ops_;
  std::mutex mu_;
  bool corrupt_next_write = false;
  std::function<std::optional<Response>(const Request&, const std::string& op,
                                        const std::string& path)>
      before;
};

struct Fixture {
  FakeHdfs hdfs;
  FakeClient* client = nullptr;
  std::unique_ptr<Backend> backend;

  explicit Fixture(const std::string& url = "hdfs://nn:8020/user/alice/envs",
                   const std::string& token = "") {
    HadoopConf conf;
    auto u = ResolveHdfsUrl(url, conf);
    EXPECT_TRUE(u.ok());
    WebHdfsOptions o;
    o.url = *u;
    o.user = token.empty() ? "alice" : "";
    o.token = token;
    o.token_source = token.empty() ? "" : "HADOOP_TOKEN";
    o.retry_backoff = std::chrono::milliseconds(1);
    auto c = std::make_unique<FakeClient>([this](const Request& r) { return hdfs.Handle(r); });
    client = c.get();
    backend = MakeWebHdfsBackend(std::move(o), std::move(c));
  }
};

TEST(WebHdfsBackendTest, WriteGoesThroughTmpAndRenameWithPermissions) {
  Fixture f;
  WriteOptions w;
  ASSERT_TRUE(f.backend->Write("tags/app/latest.json", "{\"env_id\":\"x\"}", w).ok());
  auto& nodes = f.hdfs.nodes_;
  ASSERT_TRUE(nodes.count("/user/alice/envs/tags/app/latest.json"));
  EXPECT_EQ(nodes["/user/alice/envs/tags/app/latest.json"].data, "{\"env_id\":\"x\"}");
  EXPECT_EQ(nodes["/user/alice/envs/tags/app/latest.json"].perm, "644");
  EXPECT_EQ(nodes["/user/alice/envs/tags"].perm, "755");
  EXPECT_EQ(nodes["/user/alice/envs/tmp"].perm, "755");
  // Nothing left in tmp/, and the write went CREATE (NameNode, DataNode),
  // GETFILESTATUS, GETFILECHECKSUM, RENAME.
  for (const auto& [p, n] : nodes) EXPECT_FALSE(StartsWith(p, "/user/alice/envs/tmp/")) << p;
  std::vector<std::string> ops;
  for (const auto& op : f.hdfs.ops_) {
    if (op.find("/tmp/latest.json.") != std::string::npos)
      ops.push_back(op.substr(0, op.find(' ')));
  }
  EXPECT_EQ(ops, (std::vector<std::string>{"CREATE", "CREATE", "GETFILESTATUS", "GETFILECHECKSUM",
                                           "RENAME"}));
  // user.name on every request; the RENAME replaces atomically.
  bool saw_rename = false;
  for (const auto& url : f.client->urls()) {
    EXPECT_NE(url.find("user.name=alice"), std::string::npos) << url;
    if (url.find("op=RENAME") != std::string::npos) {
      saw_rename = true;
      EXPECT_NE(
          url.find("&destination=/user/alice/envs/tags/app/latest.json&renameoptions=OVERWRITE"),
          std::string::npos)
          << url;
    }
  }
  EXPECT_TRUE(saw_rename);
  auto read = f.backend->Read("tags/app/latest.json");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, "{\"env_id\":\"x\"}");
  EXPECT_GT(f.backend->counters().requests.load(), 8u);
  EXPECT_EQ(f.backend->counters().bytes_sent.load(), 0u);  // the fake sends no upload callbacks
}

TEST(WebHdfsBackendTest, PrivateWritesAndOwnedAncestorsMadeTraversable) {
  Fixture f;
  f.hdfs.nodes_["/user"] = FakeHdfs::Node{true, "", "755", "hdfs"};
  f.hdfs.nodes_["/user/alice"] = FakeHdfs::Node{true, "", "700", "alice"};
  WriteOptions priv;
  priv.world_readable = false;
  ASSERT_TRUE(f.backend->Write("envs/a.json", "{}", priv).ok());
  EXPECT_EQ(f.hdfs.nodes_["/user/alice/envs/envs/a.json"].perm, "600");
  EXPECT_EQ(f.hdfs.nodes_["/user/alice/envs/envs"].perm, "700");
  EXPECT_EQ(f.hdfs.nodes_["/user/alice"].perm, "700");  // private: left alone

  WriteOptions pub;
  ASSERT_TRUE(f.backend->Write("envs/b.json", "{}", pub).ok());
  EXPECT_EQ(f.hdfs.nodes_["/user/alice/envs/envs/b.json"].perm, "644");
  EXPECT_EQ(f.hdfs.nodes_["/user/alice/envs/envs"].perm, "755");  // opened: owned by alice
  EXPECT_EQ(f.hdfs.nodes_["/user/alice"].perm, "711");            // traversable
  EXPECT_EQ(f.hdfs.nodes_["/user"].perm, "755");                  // not alice's
}

TEST(WebHdfsBackendTest, CorruptedUploadIsRemovedAndReported) {
  Fixture f;
  std::string data(3 << 20, 'x');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 % 251);
  f.hdfs.corrupt_next_write = true;
  Status s = f.backend->Write("blobs/b.tar.gz", data, WriteOptions{});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind(), ErrorKind::kIo);
  EXPECT_TRUE(StartsWith(s.error().message(),
                         "cannot write hdfs://nn:8020/user/alice/envs/blobs/b.tar.gz: the bytes "
                         "HDFS stored differ from the bytes written (HDFS checksum "
                         "MD5-of-2048MD5-of-512CRC32C "))
      << s.error().message();
  EXPECT_TRUE(EndsWith(s.error().message(), "); the upload was removed"));
  for (const auto& [p, n] : f.hdfs.nodes_) {
    EXPECT_FALSE(StartsWith(p, "/user/alice/envs/tmp/")) << p;
    EXPECT_NE(p, "/user/alice/envs/blobs/b.tar.gz");
  }
}

TEST(WebHdfsBackendTest, WrongSha256WritesNothing) {
  Fixture f;
  WriteOptions w;
  w.sha256 = std::string(64, '0');
  Status s = f.backend->Write("blobs/c.tar.gz", "abc", w);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(),
            "cannot write hdfs://nn:8020/user/alice/envs/blobs/c.tar.gz: the bytes written have "
            "sha256 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad, not the "
            "expected 0000000000000000000000000000000000000000000000000000000000000000; nothing "
            "was written");
  EXPECT_FALSE(f.hdfs.nodes_.count("/user/alice/envs/blobs/c.tar.gz"));
}

TEST(WebHdfsBackendTest, UploadFromAFileRetriesADroppedDataNodeConnection) {
  Fixture f;
  std::string path = (std::filesystem::temp_directory_path() / "sparkenv-webhdfs-upload").string();
  std::string data(1500000, 'q');
  std::ofstream(path, std::ios::binary) << data;
  int dropped = 0;
  f.hdfs.before = [&](const Request& req, const std::string& op,
                      const std::string&) -> std::optional<Response> {
    if (op == "CREATE" && StartsWith(req.url, "http://dn:9864/") && dropped < 2) {
      ++dropped;
      return Transport("PUT " + req.url + ": Send failure: Connection reset by peer");
    }
    return std::nullopt;
  };
  Status s = f.backend->Upload(path, "blobs/d.tar.gz", WriteOptions{});
  std::filesystem::remove(path);
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(dropped, 2);
  EXPECT_EQ(f.hdfs.nodes_["/user/alice/envs/blobs/d.tar.gz"].data, data);
  // Each attempt used a new temporary name and cleaned up after itself.
  std::set<std::string> tmps;
  for (const auto& op : f.hdfs.ops_) {
    if (StartsWith(op, "CREATE /user/alice/envs/tmp/")) tmps.insert(op);
  }
  EXPECT_EQ(tmps.size(), 3u);
  for (const auto& [p, n] : f.hdfs.nodes_)
    EXPECT_FALSE(StartsWith(p, "/user/alice/envs/tmp/")) << p;
}

TEST(WebHdfsBackendTest, StatListRemoveAndMissingThings) {
  Fixture f;
  ASSERT_TRUE(f.backend->Write("blobs/a.tar.gz", "aaaa", WriteOptions{}).ok());
  ASSERT_TRUE(f.backend->Write("tags/app/latest.json", "t1", WriteOptions{}).ok());
  ASSERT_TRUE(f.backend->Write("tags/app/prod.json", "t2", WriteOptions{}).ok());
  ASSERT_TRUE(f.backend->Write("tags/other/latest.json", "t3", WriteOptions{}).ok());

  auto st = f.backend->Stat("blobs/a.tar.gz");
  ASSERT_TRUE(st.ok() && st->has_value());
  EXPECT_EQ((*st)->size, 4u);
  EXPECT_EQ((*st)->mtime_ms, 1700000000000);
  auto none = f.backend->Stat("blobs/none.tar.gz");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  auto keys = [&](std::string_view prefix) {
    auto l = f.backend->List(prefix);
    EXPECT_TRUE(l.ok()) << l.error().message();
    std::set<std::string> out;
    for (const auto& o : *l) out.insert(o.key);
    return out;
  };
  EXPECT_EQ(keys("tags/"), (std::set<std::string>{"tags/app/latest.json", "tags/app/prod.json",
                                                  "tags/other/latest.json"}));
  EXPECT_EQ(keys("tags/app/"),
            (std::set<std::string>{"tags/app/latest.json", "tags/app/prod.json"}));
  EXPECT_EQ(keys("tags/ap"), (std::set<std::string>{"tags/app/latest.json", "tags/app/prod.json"}));
  EXPECT_EQ(keys("envs/"), std::set<std::string>{});
  EXPECT_EQ(keys("").size(), 4u);

  ASSERT_TRUE(f.backend->Remove("blobs/a.tar.gz").ok());
  ASSERT_TRUE(f.backend->Remove("blobs/a.tar.gz").ok());  // missing: fine
  auto gone = f.backend->Read("blobs/a.tar.gz");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(gone.error().message(),
            "no such object on HDFS: hdfs://nn:8020/user/alice/envs/blobs/a.tar.gz");

  EXPECT_EQ(f.backend->HadoopUrl("blobs/a.tar.gz"),
            "hdfs://nn:8020/user/alice/envs/blobs/a.tar.gz");
  EXPECT_EQ(f.backend->DisplayUrl(), "hdfs://nn:8020/user/alice/envs");
}

TEST(WebHdfsBackendTest, MissingRootIsItsOwnError) {
  Fixture f("hdfs://nn:8020/user/alice/nothing-here/");
  auto read = f.backend->Read("sparkenv-store.json");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(read.error().message(),
            "no such folder on HDFS: hdfs://nn:8020/user/alice/nothing-here");
  auto st = f.backend->Stat("blobs/x.tar.gz");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message(), "no such folder on HDFS: hdfs://nn:8020/user/alice/nothing-here");
  auto list = f.backend->List("blobs/");
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.error().message(),
            "no such folder on HDFS: hdfs://nn:8020/user/alice/nothing-here");
  std::string local = (std::filesystem::temp_directory_path() / "sparkenv-webhdfs-dl").string();
  Status dl = f.backend->Download("blobs/x.tar.gz", local);
  ASSERT_FALSE(dl.ok());
  EXPECT_FALSE(std::filesystem::exists(local));
}

TEST(WebHdfsBackendTest, InvalidKeysAreInternalErrors) {
  Fixture f;
  for (const char* key : {"", "../x", "a//b", "/abs", "a/./b"}) {
    auto r = f.backend->Read(key);
    ASSERT_FALSE(r.ok()) << key;
    EXPECT_EQ(r.error().kind(), ErrorKind::kInternal) << key;
  }
  EXPECT_TRUE(f.client->urls().empty());
}

struct ErrorCase {
  Response answer;
  std::string token;
  std::string message;
};

TEST(WebHdfsBackendTest, ErrorsAreDistinctAndNameTheUrl) {
  const std::string what = "cannot stat hdfs://nn:8020/user/alice/envs/blobs/x.tar.gz: ";
  const ErrorCase cases[] = {
      {Remote(403, "AccessControlException",
              "Permission denied: user=alice, access=EXECUTE, inode=\\\"/user/bob\\\""),
       "",
       what + "permission denied for HDFS user 'alice': AccessControlException: Permission "
              "denied: user=alice, access=EXECUTE, inode=\"/user/bob\""},
      {Answer(401, "<html>Authentication required</html>"), "",
       what + "bad credentials: HDFS requires authentication and refused HDFS user 'alice' "
              "without a delegation token; set HADOOP_TOKEN_FILE_LOCATION, HADOOP_TOKEN or "
              "SPARKENV_HDFS_DELEGATION_TOKEN (Kerberos is not supported): HTTP 401"},
      {Remote(403, "SecretManager$InvalidToken",
              "token (HDFS_DELEGATION_TOKEN token 7 for alice) is expired"),
       "SENTINELtoken",
       what + "bad credentials: HDFS refused the delegation token (HADOOP_TOKEN): "
              "SecretManager$InvalidToken: token (HDFS_DELEGATION_TOKEN token 7 for alice) is "
              "expired"},
      {Remote(403, "DSQuotaExceededException",
              "The DiskSpace quota of /user/alice is exceeded: quota = 1048576 B = 1 MB"),
       "",
       what + "HDFS quota exceeded: The DiskSpace quota of /user/alice is exceeded: quota = "
              "1048576 B = 1 MB"},
      {Remote(403, "NSQuotaExceededException",
              "The NameSpace quota (directories and files) is exceeded"),
       "", what + "HDFS quota exceeded: The NameSpace quota (directories and files) is exceeded"},
      {Remote(403, "SafeModeException", "Cannot create file. Name node is in safe mode."), "",
       what + "HDFS is in safe mode (read-only until the NameNode leaves it): Cannot create file. "
              "Name node is in safe mode."},
      {Remote(400, "IllegalArgumentException", "Invalid value for webhdfs parameter"), "",
       what + "HDFS answered HTTP 400 IllegalArgumentException: Invalid value for webhdfs "
              "parameter"},
      {Transport("GET http://nn:9870/webhdfs/v1/user/alice/envs/blobs/x.tar.gz?op=GETFILESTATUS&"
                 "delegation=SENTINELtoken: connection refused (after 4 attempts)"),
       "SENTINELtoken",
       what + "GET http://nn:9870/webhdfs/v1/user/alice/envs/blobs/x.tar.gz?op=GETFILESTATUS&"
              "delegation=***: connection refused (after 4 attempts)"},
      {Remote(403, "AccessControlException", "Permission denied: delegation=SENTINELtoken"),
       "SENTINELtoken",
       what + "permission denied for the delegation token's user: AccessControlException: "
              "Permission denied: delegation=***"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.message);
    Fixture f("hdfs://nn:8020/user/alice/envs", c.token);
    f.hdfs.before = [&](const Request&, const std::string&,
                        const std::string&) -> std::optional<Response> { return c.answer; };
    auto r = f.backend->Stat("blobs/x.tar.gz");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message(), c.message);
    EXPECT_EQ(r.error().kind(), ErrorKind::kIo);
    EXPECT_EQ(r.error().message().find("SENTINEL"), std::string::npos);
  }
}

TEST(WebHdfsBackendTest, TokenReplacesUserName) {
  Fixture f("hdfs://nn:8020/user/alice/envs", "SENTINELtoken");
  f.hdfs.nodes_["/user/alice/envs"] = FakeHdfs::Node{true, "", "755", "alice"};
  auto r = f.backend->Stat("blobs/x.tar.gz");
  ASSERT_TRUE(r.ok());
  auto urls = f.client->urls();
  ASSERT_FALSE(urls.empty());
  for (const auto& u : urls) {
    EXPECT_NE(u.find("&delegation=SENTINELtoken"), std::string::npos) << u;
    EXPECT_EQ(u.find("user.name="), std::string::npos) << u;
  }
}

TEST(WebHdfsBackendTest, HaFailsOverAndRemembersTheActiveNameNode) {
  HadoopConf conf;
  conf.Set("dfs.nameservices", "ns1");
  conf.Set("dfs.ha.namenodes.ns1", "nn1,nn2,nn3");
  conf.Set("dfs.namenode.http-address.ns1.nn1", "dead:9870");
  conf.Set("dfs.namenode.http-address.ns1.nn2", "standby:9870");
  conf.Set("dfs.namenode.http-address.ns1.nn3", "nn:9870");
  auto u = ResolveHdfsUrl("hdfs://ns1/envs", conf);
  ASSERT_TRUE(u.ok());
  FakeHdfs hdfs;
  hdfs.nodes_["/envs"] = FakeHdfs::Node{true, "", "755", "alice"};
  auto client = std::make_unique<FakeClient>([&](const Request& r) {
    if (StartsWith(r.url, "http://dead:9870/"))
      return Transport("GET " + r.url + ": connection refused");
    if (StartsWith(r.url, "http://standby:9870/")) {
      return Remote(403, "StandbyException",
                    "Operation category READ is not supported in state standby");
    }
    return hdfs.Handle(r);
  });
  FakeClient* fake = client.get();
  WebHdfsOptions o;
  o.url = *u;
  o.user = "alice";
  auto backend = MakeWebHdfsBackend(o, std::move(client));
  EXPECT_EQ(backend->HadoopUrl("blobs/x.tar.gz"), "hdfs://ns1/envs/blobs/x.tar.gz");
  auto first = backend->Stat("blobs/x.tar.gz");
  ASSERT_TRUE(first.ok()) << first.error().message();
  auto second = backend->List("");
  ASSERT_TRUE(second.ok()) << second.error().message();
  auto urls = fake->urls();
  ASSERT_GE(urls.size(), 4u);
  EXPECT_TRUE(StartsWith(urls[0], "GET http://dead:9870/")) << urls[0];
  EXPECT_TRUE(StartsWith(urls[1], "GET http://standby:9870/")) << urls[1];
  EXPECT_TRUE(StartsWith(urls[2], "GET http://nn:9870/")) << urls[2];
  for (size_t i = 3; i < urls.size(); ++i)
    EXPECT_TRUE(StartsWith(urls[i], "GET http://nn:9870/")) << urls[i];
}

TEST(WebHdfsBackendTest, EveryNameNodeDownNamesThem) {
  HadoopConf conf;
  conf.Set("dfs.ha.namenodes.ns1", "nn1,nn2");
  conf.Set("dfs.namenode.http-address.ns1.nn1", "a:9870");
  conf.Set("dfs.namenode.http-address.ns1.nn2", "b:9870");
  auto u = ResolveHdfsUrl("hdfs://ns1/envs", conf);
  ASSERT_TRUE(u.ok());
  auto client = std::make_unique<FakeClient>([](const Request&) {
    return Remote(403, "StandbyException",
                  "Operation category READ is not supported in state standby. Visit "
                  "https://s.apache.org/sbnn-error");
  });
  WebHdfsOptions o;
  o.url = *u;
  o.user = "alice";
  o.retry_backoff = std::chrono::milliseconds(1);
  auto backend = MakeWebHdfsBackend(o, std::move(client));
  auto r = backend->Read("sparkenv-store.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "cannot read hdfs://ns1/envs/sparkenv-store.json: no active NameNode (tried "
            "http://a:9870, http://b:9870): Operation category READ is not supported in state "
            "standby. Visit https://s.apache.org/sbnn-error");
}

TEST(WebHdfsBackendTest, HttpFsSendsDataInOneStep) {
  Fixture f("httpfs://gw:14000/envs");
  f.hdfs.before = [&](const Request& req, const std::string& op,
                      const std::string& path) -> std::optional<Response> {
    if (op == "CREATE") {
      EXPECT_TRUE(StartsWith(req.url, "http://gw:14000/webhdfs/v1/envs/tmp/")) << req.url;
      EXPECT_NE(req.url.find("&data=true"), std::string::npos) << req.url;
      EXPECT_EQ(http::FindHeader(req.headers, "Content-Type"), "application/octet-stream");
      f.hdfs.nodes_[path] = FakeHdfs::Node{false, req.upload_body, "644"};
      return Answer(201);
    }
    return std::nullopt;
  };
  ASSERT_TRUE(f.backend->Write("envs/e.json", "{}", WriteOptions{}).ok());
  EXPECT_EQ(f.hdfs.nodes_["/envs/envs/e.json"].data, "{}");
  EXPECT_EQ(f.backend->HadoopUrl("envs/e.json"), "webhdfs://gw:14000/envs/envs/e.json");
}

TEST(WebHdfsBackendTest, RedactDelegation) {
  EXPECT_EQ(
      RedactDelegation("GET http://h/x?op=OPEN&delegation=abc-_12&x=1 and abc-_12", "abc-_12"),
      "GET http://h/x?op=OPEN&delegation=***&x=1 and ***");
  EXPECT_EQ(RedactDelegation("http://h/?delegation=other", ""), "http://h/?delegation=***");
}

}  // namespace
}  // namespace sparkenv::store

namespace sparkenv::store {
namespace {

class WebHdfsOptionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sparkenv-webhdfs-options-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "core-site.xml")
        << "<configuration><property><name>fs.defaultFS</name><value>hdfs://127.0.0.1:8020"
           "</value></property></configuration>";
    std::ofstream(dir_ / "hdfs-site.xml")
        << "<configuration><property><name>dfs.namenode.http-address</name>"
           "<value>127.0.0.1:50070</value></property></configuration>";
    env_["HADOOP_CONF_DIR"] = dir_.string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Result<WebHdfsOptions> Resolve(const std::string& url) {
    OpenOptions o;
    o.getenv = [this](const std::string& k) -> std::optional<std::string> {
      auto it = env_.find(k);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
    return ResolveWebHdfsOptions(url, o);
  }

  std::filesystem::path dir_;
  std::map<std::string, std::string> env_;
};

const std::string kTokens = std::string(SPARKENV_SOURCE_DIR) + "/src/store/testdata/";
// Token "a" of the fixtures (service 127.0.0.1:8020), as Hadoop encodes it.
const char kTokenA[] =
    "CWlkZW50LW9uZQhwYXNzLW9uZRVIREZTX0RFTEVHQVRJT05fVE9LRU4OMTI3LjAuMC4xOjgwMjA";

TEST_F(WebHdfsOptionsTest, ConfigurationAndUser) {
  env_["HADOOP_USER_NAME"] = "bob";
  auto o = Resolve("hdfs:///user/bob/envs");
  ASSERT_TRUE(o.ok()) << o.error().message();
  EXPECT_EQ(o->user, "bob");
  EXPECT_EQ(o->token, "");
  EXPECT_EQ(o->url.endpoints, (std::vector<std::string>{"http://127.0.0.1:50070"}));
  EXPECT_EQ(o->url.hadoop_authority, "127.0.0.1:8020");

  env_.erase("HADOOP_USER_NAME");
  auto login = Resolve("hdfs:///x");
  ASSERT_TRUE(login.ok());
  EXPECT_FALSE(login->user.empty());  // the login name

  std::ofstream(dir_ / "hdfs-site.xml") << "<configuration><property>";
  auto bad = Resolve("hdfs:///x");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind(), ErrorKind::kInvalidInput);
  EXPECT_EQ(bad.error().message(), "malformed Hadoop configuration '" +
                                       (dir_ / "hdfs-site.xml").string() +
                                       "', line 1: no element found");
}

TEST_F(WebHdfsOptionsTest, TokensFromEachSourceChosenByService) {
  env_["HADOOP_USER_NAME"] = "bob";
  for (const char* format : {"protobuf", "writable"}) {
    env_["HADOOP_TOKEN_FILE_LOCATION"] = kTokens + "tokens-" + format + ".bin";
    auto o = Resolve("hdfs://127.0.0.1:8020/envs");
    ASSERT_TRUE(o.ok()) << o.error().message();
    EXPECT_EQ(o->token, kTokenA);
    EXPECT_EQ(o->user, "");
    EXPECT_EQ(o->token_source,
              "HADOOP_TOKEN_FILE_LOCATION=" + kTokens + "tokens-" + format + ".bin");
    // localhost is 127.0.0.1: the token's numeric service matches too.
    auto local = Resolve("hdfs://localhost:8020/envs");
    ASSERT_TRUE(local.ok());
    EXPECT_EQ(local->token, kTokenA);
  }
  // A store on another NameNode gets no token, and the reason is kept for
  // the message of a 401.
  auto other = Resolve("hdfs://10.1.2.3:8020/envs");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->token, "");
  EXPECT_EQ(other->user, "bob");
  EXPECT_EQ(other->token_source,
            "no delegation token is for 10.1.2.3:8020; there are: HDFS_DELEGATION_TOKEN for "
            "'127.0.0.1:8020', WEBHDFS delegation for 'ha-webhdfs:ns1', kms-dt for "
            "'kms-host:9600'");

  env_.erase("HADOOP_TOKEN_FILE_LOCATION");
  env_["HADOOP_TOKEN"] = std::string(" ,") + kTokenA;
  auto listed = Resolve("hdfs://127.0.0.1:8020/envs");
  ASSERT_TRUE(listed.ok()) << listed.error().message();
  EXPECT_EQ(listed->token, kTokenA);
  EXPECT_EQ(listed->token_source, "HADOOP_TOKEN");

  env_["SPARKENV_HDFS_DELEGATION_TOKEN"] = kTokenA;
  auto explicit_token = Resolve("hdfs://10.1.2.3:8020/envs");
  ASSERT_TRUE(explicit_token.ok());
  EXPECT_EQ(explicit_token->token, kTokenA);
  EXPECT_EQ(explicit_token->token_source, "SPARKENV_HDFS_DELEGATION_TOKEN");
}

TEST_F(WebHdfsOptionsTest, BadTokensAreNamedNotShown) {
  env_["SPARKENV_HDFS_DELEGATION_TOKEN"] = "secret!value";
  auto e1 = Resolve("hdfs:///x");
  ASSERT_FALSE(e1.ok());
  EXPECT_EQ(e1.error().message(),
            "SPARKENV_HDFS_DELEGATION_TOKEN: a delegation token must be URL-safe base64 "
            "(Token.encodeToUrlString)");
  env_.erase("SPARKENV_HDFS_DELEGATION_TOKEN");
  env_["HADOOP_TOKEN"] = std::string(kTokenA) + ",c2VjcmV0";
  auto e2 = Resolve("hdfs:///x");
  ASSERT_FALSE(e2.ok());
  EXPECT_EQ(e2.error().message(),
            "HADOOP_TOKEN, token 2: a delegation token must hold identifier, password, kind and "
            "service (Token.encodeToUrlString); this one does not decode");
  env_.erase("HADOOP_TOKEN");
  env_["HADOOP_TOKEN_FILE_LOCATION"] = (dir_ / "none").string();
  auto e3 = Resolve("hdfs:///x");
  ASSERT_FALSE(e3.ok());
  EXPECT_EQ(e3.error().message(), "HADOOP_TOKEN_FILE_LOCATION: cannot read '" +
                                      (dir_ / "none").string() + "': No such file or directory");
}

}  // namespace
}  // namespace sparkenv::store
