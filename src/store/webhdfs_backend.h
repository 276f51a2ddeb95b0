// The HDFS store backend: WebHDFS (the NameNode's REST API) or an HttpFS
// gateway, over the HTTP client (http/client.h). docs/store-hdfs.md is the
// user's view; store/backend.h the contract kept here.
//
// How it keeps the contract:
//   - Atomic writes: the bytes go to "tmp/<name>.<random>.tmp" under the
//     store root (CREATE in two steps: the NameNode redirects, the body goes
//     to a DataNode), are verified, then RENAMEd onto the key with
//     renameoptions=OVERWRITE (one NameNode operation: readers see the old
//     object or the new one).
//   - Verification: length by GETFILESTATUS and content by GETFILECHECKSUM,
//     compared with the same checksum computed locally (hdfs_checksum.h);
//     a file whose checksum is not MD5MD5CRC is read back and hashed.
//   - Permissions: files 0644 / folders 0755 (private: 0600 / 0700); with
//     world_readable, store folders and the root's ancestors that the user
//     owns are given the execute bits YARN's PUBLIC visibility needs.
//   - Retries: the HTTP client retries timeouts, dropped connections and
//     5xx; a whole write (new temporary name, both CREATE steps, checks) is
//     tried again on such failures, e.g. a DataNode restarted mid-upload.
//     HA NameNodes are tried in order, failing over on connection errors and
//     StandbyException; the last active one is tried first.
//   - Errors: mapped from WebHDFS's RemoteException; each names the hdfs://
//     URL of the object and says which of: permission denied, bad
//     credentials, no such folder, quota exceeded, safe mode, other.
//     A delegation token never appears in a message.
//
// Thread-safe: any method from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "http/client.h"
#include "store/backend.h"
#include "store/hdfs_url.h"

namespace sparkenv::store {

struct WebHdfsOptions {
  HdfsStoreUrl url;
  // user.name= on every request (simple authentication). Empty with a token.
  std::string user;
  // delegation= on every request instead of user.name (URL-safe form).
  std::string token;
  // Where the token came from ("HADOOP_TOKEN_FILE_LOCATION=/path"), or why
  // there is none, for the message of a 401.
  std::string token_source;
  // Attempts of a whole write (the HTTP client's own retries come on top).
  int write_attempts = 4;
  // Waits between write attempts: retry_backoff, doubled each time.
  std::chrono::milliseconds retry_backoff{1000};
  // Reading a directory listing in parallel: requests in flight.
  int list_parallelism = 8;
};

// A backend over `client` (owned). Sends no request until a method is called.
std::unique_ptr<Backend> MakeWebHdfsBackend(WebHdfsOptions options,
                                            std::unique_ptr<http::Client> client);

// Everything OpenWebHdfsBackend resolves before it creates the HTTP client:
// HADOOP_CONF_DIR (else $HADOOP_HOME/etc/hadoop), the URL, the user
// (HADOOP_USER_NAME, else the login name) and a delegation token
// (SPARKENV_HDFS_DELEGATION_TOKEN as is; else HADOOP_TOKEN and
// HADOOP_TOKEN_FILE_LOCATION, chosen by service).
Result<WebHdfsOptions> ResolveWebHdfsOptions(std::string_view url, const OpenOptions& options);

// A WebHDFS error answer: {"RemoteException":{"exception", "javaClassName", "message"}}.
struct RemoteException {
  std::string exception;   // "AccessControlException"
  std::string java_class;  // "org.apache.hadoop.security.AccessControlException"
  std::string message;
};
std::optional<RemoteException> ParseRemoteException(std::string_view body);

// `text` with every delegation token in it replaced by "***": the token
// itself, and any "delegation=..." query parameter.
std::string RedactDelegation(std::string_view text, std::string_view token);

}  // namespace sparkenv::store
