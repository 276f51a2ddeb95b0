#include "store/hdfs_url.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <optional>

#include "base/strings.h"
#include "http/url.h"

namespace sparkenv::store {

namespace {

constexpr int kDefaultRpcPort = 8020;
constexpr int kDefaultHttpPort = 9870;
constexpr int kDefaultHttpsPort = 9871;
constexpr int kDefaultHttpFsPort = 14000;

struct HostPort {
  std::string host;
  int port = 0;  // 0: not written
  std::string ToString() const { return port ? host + ":" + std::to_string(port) : host; }
};

std::optional<HostPort> SplitHostPort(std::string_view text) {
  HostPort hp;
  std::string_view t = TrimAscii(text);
  size_t colon = t.rfind(':');
  if (!t.empty() && t.front() == '[') {  // [v6]:port
    size_t close = t.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    colon = t.find(':', close);
  }
  if (colon == std::string_view::npos) {
    hp.host = std::string(t);
  } else {
    hp.host = std::string(t.substr(0, colon));
    std::string_view port = t.substr(colon + 1);
    if (port.empty() || port.size() > 5) return std::nullopt;
    for (char c : port) {
      if (!IsAsciiDigit(c)) return std::nullopt;
      hp.port = hp.port * 10 + (c - '0');
    }
    if (hp.port <= 0 || hp.port > 65535) return std::nullopt;
  }
  if (hp.host.empty()) return std::nullopt;
  hp.host = ToLowerAscii(hp.host);
  return hp;
}

// The numeric address a host name resolves to (IPv4 first), or "".
std::string ResolveIp(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || res == nullptr) return "";
  std::string out;
  char buf[INET6_ADDRSTRLEN] = {};
  for (addrinfo* a = res; a != nullptr && out.empty(); a = a->ai_next) {
    if (a->ai_family == AF_INET) {
      auto* in = reinterpret_cast<sockaddr_in*>(a->ai_addr);  // NOLINT
      if (inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf)) out = buf;
    }
  }
  freeaddrinfo(res);
  return out;
}

void AddService(std::vector<std::string>* services, const HostPort& hp) {
  if (hp.port != 0) services->push_back(hp.ToString());
}

class Resolver {
 public:
  Resolver(std::string_view url, const HadoopConf& conf) : url_(url), conf_(conf) {
    https_ = conf.Get("dfs.http.policy").value_or("HTTP_ONLY") == "HTTPS_ONLY";
  }

  Error Bad(const std::string& why) const { return Error("store URL " + Quote(url_) + ": " + why); }

  std::string HttpKey() const {
    return https_ ? "dfs.namenode.https-address" : "dfs.namenode.http-address";
  }
  std::string Scheme() const { return https_ ? "https://" : "http://"; }
  int DefaultHttpPort() const { return https_ ? kDefaultHttpsPort : kDefaultHttpPort; }

  // The HTTP endpoint of one configured address; 0.0.0.0 (a server's
  // wildcard) is replaced by the RPC host.
  Result<std::string> Endpoint(const std::string& key, const std::string& rpc_host) const {
    std::optional<std::string> value = conf_.Get(key);
    if (!value) return Bad("no " + key + " in the Hadoop configuration" + Files());
    std::optional<HostPort> hp = SplitHostPort(*value);
    if (!hp || hp->port == 0) return Bad(key + " = " + Quote(*value) + " is not host:port");
    if (hp->host == "0.0.0.0") {
      if (rpc_host.empty()) return Bad(key + " = " + Quote(*value) + " names no host");
      hp->host = rpc_host;
    }
    return Scheme() + hp->ToString();
  }

  std::string Files() const {
    if (conf_.files().empty()) return " (no HADOOP_CONF_DIR files were read)";
    return " (read " + Join(conf_.files(), ", ") + ")";
  }

  bool IsNameservice(const std::string& name) const {
    for (const auto& ns : conf_.GetList("dfs.nameservices")) {
      if (ns == name) return true;
    }
    return conf_.Get("dfs.ha.namenodes." + name).has_value();
  }

  // hdfs://ns: the NameNodes of a nameservice, in order.
  Status ResolveNameservice(const std::string& ns, HdfsStoreUrl* out) const {
    out->nameservice = ns;
    std::vector<std::string> nns = conf_.GetList("dfs.ha.namenodes." + ns);
    if (nns.empty()) {
      std::string rpc = conf_.Get("dfs.namenode.rpc-address." + ns).value_or("");
      auto hp = SplitHostPort(rpc);
      auto ep = Endpoint(HttpKey() + "." + ns, hp ? hp->host : "");
      if (!ep.ok()) return ep.error();
      out->endpoints.push_back(*ep);
      if (hp) AddService(&out->token_services, *hp);
      return Status::Ok();
    }
    for (const auto& nn : nns) {
      std::string rpc = conf_.Get("dfs.namenode.rpc-address." + ns + "." + nn).value_or("");
      auto hp = SplitHostPort(rpc);
      auto ep = Endpoint(HttpKey() + "." + ns + "." + nn, hp ? hp->host : "");
      if (!ep.ok()) return ep.error();
      out->endpoints.push_back(*ep);
    }
    return Status::Ok();
  }

  // hdfs://host:port: the NameNode whose rpc-address is host:port, else the
  // plain http-address when host:port is fs.defaultFS or that address is on
  // the same host, else host:9870.
  Status ResolveHost(const HostPort& hp, HdfsStoreUrl* out) const {
    HostPort rpc = hp;
    if (rpc.port == 0) rpc.port = kDefaultRpcPort;
    auto same = [&](const std::optional<std::string>& value) {
      if (!value) return false;
      auto v = SplitHostPort(*value);
      return v && v->port == rpc.port && v->host == rpc.host;
    };
    AddService(&out->token_services, rpc);
    for (const auto& ns : conf_.GetList("dfs.nameservices")) {
      std::vector<std::string> nns = conf_.GetList("dfs.ha.namenodes." + ns);
      for (const auto& nn : nns) {
        if (same(conf_.Get("dfs.namenode.rpc-address." + ns + "." + nn))) {
          auto ep = Endpoint(HttpKey() + "." + ns + "." + nn, rpc.host);
          if (!ep.ok()) return ep.error();
          out->endpoints.push_back(*ep);
          return Status::Ok();
        }
      }
      if (same(conf_.Get("dfs.namenode.rpc-address." + ns))) {
        auto ep = Endpoint(HttpKey() + "." + ns, rpc.host);
        if (!ep.ok()) return ep.error();
        out->endpoints.push_back(*ep);
        return Status::Ok();
      }
    }
    std::optional<HostPort> default_fs;
    std::optional<std::string> fs = conf_.Get("fs.defaultFS");
    if (!fs) fs = conf_.Get("fs.default.name");
    if (fs) {
      http::UrlParts d = http::UrlParts::Parse(*fs);
      if (d.scheme == "hdfs") default_fs = SplitHostPort(d.authority);
    }
    bool is_default = default_fs &&
                      (default_fs->port ? default_fs->port : kDefaultRpcPort) == rpc.port &&
                      default_fs->host == rpc.host;
    // The plain http-address also serves a URL naming its host.
    std::optional<std::string> plain_http = conf_.Get(HttpKey());
    auto http_hp = plain_http ? SplitHostPort(*plain_http) : std::nullopt;
    bool same_host = http_hp && http_hp->host == rpc.host;
    if (same(conf_.Get("dfs.namenode.rpc-address")) || (plain_http && (is_default || same_host))) {
      auto ep = Endpoint(HttpKey(), rpc.host);
      if (!ep.ok()) return ep.error();
      out->endpoints.push_back(*ep);
      return Status::Ok();
    }
    out->endpoints.push_back(Scheme() + HostPort{rpc.host, DefaultHttpPort()}.ToString());
    return Status::Ok();
  }

 private:
  std::string url_;
  const HadoopConf& conf_;
  bool https_ = false;
};

// Decodes and normalizes the URL's path: absolute, no empty, "." or ".."
// segments, no trailing '/'.
Result<std::string> NormalizeRoot(const std::string& raw, const Resolver& r) {
  std::string path = http::PercentDecode(raw);
  if (path.empty()) return std::string("/");
  if (path.front() != '/') return r.Bad("the path must be absolute");
  std::string out;
  for (const std::string& seg : Split(path, '/')) {
    if (seg.empty()) continue;
    if (seg == "." || seg == "..") return r.Bad("the path may not contain '.' or '..' segments");
    for (char c : seg) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
        return r.Bad("the path may not contain control characters");
      }
    }
    out += "/" + seg;
  }
  return out.empty() ? std::string("/") : out;
}

}  // namespace

std::vector<std::string> WithResolvedAddresses(const std::vector<std::string>& services) {
  std::vector<std::string> out;
  for (const auto& service : services) {
    out.push_back(service);
    auto hp = SplitHostPort(service);
    if (!hp || hp->port == 0 || StartsWith(service, "ha-")) continue;
    std::string ip = ResolveIp(hp->host);
    if (!ip.empty() && ip != hp->host) out.push_back(ip + ":" + std::to_string(hp->port));
  }
  return out;
}

std::string EncodeHdfsPath(std::string_view path) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : path) {
    if (IsAsciiAlnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out += c;
    } else {
      auto b = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
    }
  }
  return out;
}

Result<HdfsStoreUrl> ResolveHdfsUrl(std::string_view url, const HadoopConf& conf) {
  Resolver r(url, conf);
  http::UrlParts p = http::UrlParts::Parse(url);
  HdfsStoreUrl out;
  out.written = std::string(url);
  bool secure_web = false;
  if (p.scheme == "hdfs") {
    out.kind = HdfsStoreUrl::Kind::kHdfs;
  } else if (p.scheme == "webhdfs" || p.scheme == "swebhdfs") {
    out.kind = HdfsStoreUrl::Kind::kWebHdfs;
    secure_web = p.scheme == "swebhdfs";
  } else if (p.scheme == "httpfs") {
    out.kind = HdfsStoreUrl::Kind::kHttpFs;
  } else {
    return r.Bad("expected hdfs://, webhdfs://, swebhdfs:// or httpfs://");
  }
  if (!p.has_authority) return r.Bad("expected " + p.scheme + "://authority/path");
  if (p.has_query || p.has_fragment) return r.Bad("a store URL has no ?query or #fragment");
  if (p.authority.find('@') != std::string::npos) {
    return r.Bad(
        "credentials in the URL are not supported (HADOOP_USER_NAME or a delegation "
        "token say who you are)");
  }
  auto root = NormalizeRoot(p.path, r);
  if (!root.ok()) return root.error();
  out.root = *root;

  if (out.kind != HdfsStoreUrl::Kind::kHdfs) {
    if (p.authority.empty()) return r.Bad("expected " + p.scheme + "://host:port/path");
    auto hp = SplitHostPort(p.authority);
    if (!hp) return r.Bad(Quote(p.authority) + " is not host[:port]");
    std::string scheme = secure_web ? "https://" : "http://";
    if (out.kind == HdfsStoreUrl::Kind::kWebHdfs && hp->port == 0 && r.IsNameservice(hp->host)) {
      // webhdfs://nameservice: the HA NameNodes' HTTP addresses.
      Status s = r.ResolveNameservice(hp->host, &out);
      if (!s.ok()) return s.error();
      out.token_services.insert(out.token_services.begin(), "ha-" + p.scheme + ":" + hp->host);
      out.hadoop_scheme = p.scheme;
      out.hadoop_authority = hp->host;
      return out;
    }
    if (hp->port == 0) {
      hp->port = out.kind == HdfsStoreUrl::Kind::kHttpFs
                     ? kDefaultHttpFsPort
                     : (secure_web ? kDefaultHttpsPort : kDefaultHttpPort);
    }
    out.endpoints.push_back(scheme + hp->ToString());
    AddService(&out.token_services, *hp);
    // Hadoop reads an HttpFS gateway through the webhdfs:// file system.
    out.hadoop_scheme = secure_web ? "swebhdfs" : "webhdfs";
    out.hadoop_authority = hp->ToString();
    return out;
  }

  std::string authority = p.authority;
  if (authority.empty()) {
    std::optional<std::string> fs = conf.Get("fs.defaultFS");
    if (!fs) fs = conf.Get("fs.default.name");
    if (!fs) {
      return r.Bad("hdfs:/// needs fs.defaultFS from HADOOP_CONF_DIR's core-site.xml" + r.Files() +
                   "; or write hdfs://namenode:port/path");
    }
    http::UrlParts d = http::UrlParts::Parse(*fs);
    if (d.scheme != "hdfs" || d.authority.empty()) {
      return r.Bad("fs.defaultFS = " + Quote(*fs) + " is not an hdfs://authority URL");
    }
    authority = d.authority;
  }
  auto hp = SplitHostPort(authority);
  if (!hp) return r.Bad(Quote(authority) + " is not a nameservice or host:port");
  out.hadoop_scheme = "hdfs";
  if (hp->port == 0 && r.IsNameservice(hp->host)) {
    Status s = r.ResolveNameservice(hp->host, &out);
    if (!s.ok()) return s.error();
    out.token_services.insert(out.token_services.begin(), "ha-hdfs:" + hp->host);
    out.hadoop_authority = hp->host;
    return out;
  }
  Status s = r.ResolveHost(*hp, &out);
  if (!s.ok()) return s.error();
  out.hadoop_authority = hp->ToString();
  return out;
}

}  // namespace sparkenv::store
