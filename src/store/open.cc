#include "store/open.h"

#include <string>

#include "base/strings.h"
#include "http/url.h"

namespace sparkenv::store {

Result<std::unique_ptr<Backend>> OpenBackend(std::string_view url, const OpenOptions& options) {
  // No store URL carries a password: credentials come from the environment
  // (the AWS chain, HADOOP_USER_NAME, delegation tokens), never from text
  // that ends up in messages, shell histories and Spark configurations.
  const std::string redacted = http::RedactUrl(url);
  if (redacted != url) {
    return Error("invalid store URL '" + redacted +
                 "': a store URL carries no password; credentials come from the environment (see "
                 "docs/store.md)");
  }
  if (StartsWith(url, "s3://") || StartsWith(url, "s3a://")) return OpenS3Backend(url, options);
  if (StartsWith(url, "hdfs://") || StartsWith(url, "webhdfs://") ||
      StartsWith(url, "swebhdfs://") || StartsWith(url, "httpfs://")) {
    return OpenWebHdfsBackend(url, options);
  }
  if (StartsWith(url, "file://") || url.find("://") == std::string_view::npos) {
    return OpenFileBackend(url, options);
  }
  return Error(
      "unsupported store URL '" + std::string(url) +
      "': expected file://, hdfs://, webhdfs://, swebhdfs://, httpfs://, s3:// or a local path");
}

}  // namespace sparkenv::store
