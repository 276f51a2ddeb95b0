// HDFS store URLs and where their WebHDFS endpoints are (docs/store-hdfs.md):
//
//   hdfs://host:port/path       NameNode RPC address as Hadoop users write it;
//                               HTTP address from the configuration (the
//                               NameNode whose rpc-address matches, or
//                               dfs.namenode.http-address for fs.defaultFS),
//                               else host:9870 (https: 9871)
//   hdfs://nameservice/path     dfs.ha.namenodes.<ns> + dfs.namenode.http-address.<ns>.<nn>,
//                               in order (HA), or dfs.namenode.http-address.<ns>
//   hdfs:///path                fs.defaultFS (or fs.default.name)
//   webhdfs://host:port/path    an explicit WebHDFS HTTP address (default port 9870)
//   swebhdfs://host:port/path   the same over HTTPS (default port 9871)
//   httpfs://host:port/path     an HttpFS gateway (default port 14000)
//
// dfs.http.policy=HTTPS_ONLY makes hdfs:// URLs use https and the
// dfs.namenode.https-address keys. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/hadoop_conf.h"

namespace sparkenv::store {

struct HdfsStoreUrl {
  enum class Kind { kHdfs, kWebHdfs, kHttpFs };
  Kind kind = Kind::kHdfs;
  std::string written;  // the URL as written (DisplayUrl)
  // What Spark and Hadoop read: "<hadoop_scheme>://<hadoop_authority><path>".
  std::string hadoop_scheme;     // hdfs, webhdfs or swebhdfs
  std::string hadoop_authority;  // "nameservice" or "host:port"
  std::string root;              // absolute HDFS path, decoded, no trailing '/' ("/" alone)
  // "http(s)://host:port" of each NameNode (HA: in failover order) or gateway.
  std::vector<std::string> endpoints;
  std::string nameservice;  // the logical name, when the URL names one
  // Token services a delegation token for this store may carry
  // ("ha-hdfs:ns", "nn.example.com:8020", ...), most specific first, as
  // written (WithResolvedAddresses adds the numeric forms Hadoop uses).
  std::vector<std::string> token_services;
};

// `services` with each host:port followed by its numeric address
// ("localhost:8020" -> also "127.0.0.1:8020"), as Hadoop names token
// services (hadoop.security.token.service.use_ip). Resolves host names.
std::vector<std::string> WithResolvedAddresses(const std::vector<std::string>& services);

// Resolves `url` with `conf`. Errors (kInvalidInput) name the URL and what
// is missing or malformed: a relative or dotted path, userinfo, a query, an
// unknown nameservice NameNode, no fs.defaultFS for hdfs:///.
Result<HdfsStoreUrl> ResolveHdfsUrl(std::string_view url, const HadoopConf& conf);

// An HDFS path percent-encoded for a URL path: every byte but [A-Za-z0-9-._~/].
std::string EncodeHdfsPath(std::string_view path);

}  // namespace sparkenv::store
