// Hadoop delegation tokens for WebHDFS (docs/store-hdfs.md, "Users and
// tokens"): read from a Credentials file (HADOOP_TOKEN_FILE_LOCATION: "HDTS",
// version 0 = Writable, version 1 = protobuf, as Hadoop 3 writes) or from
// URL-safe strings (HADOOP_TOKEN, comma-separated, as
// Token.encodeToUrlString writes them), and encoded for the `delegation=`
// query parameter exactly as Hadoop's Token.encodeToUrlString does.
//
// A token is a credential: nothing here puts one in a message. Pure
// functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sparkenv::store {

struct HadoopToken {
  std::string identifier;  // bytes
  std::string password;    // bytes
  std::string kind;        // "HDFS_DELEGATION_TOKEN", "WEBHDFS delegation", ...
  std::string service;     // "127.0.0.1:8020", "ha-hdfs:ns1", ...

  // Writable form (vint-prefixed identifier, password, kind, service), in
  // URL-safe base64 without padding.
  std::string EncodeToUrlString() const;
  // The inverse; errors (kInvalidInput) say what is malformed, never the token.
  static Result<HadoopToken> DecodeFromUrlString(std::string_view text);
};

// The tokens of a Credentials file's bytes. `source` names the file in
// errors (kInvalidInput).
Result<std::vector<HadoopToken>> ParseTokenStorage(std::string_view bytes,
                                                   const std::string& source);

// The token to use for a store whose token services are `services` (most
// specific first, see HdfsStoreUrl::token_services): the first token of kind
// HDFS_DELEGATION_TOKEN, WEBHDFS delegation or SWEBHDFS delegation whose
// service is one of them, trying the services in order. None: nullopt (a
// token for another cluster is never sent).
std::optional<HadoopToken> SelectHdfsToken(const std::vector<HadoopToken>& tokens,
                                           const std::vector<std::string>& services);

}  // namespace sparkenv::store
