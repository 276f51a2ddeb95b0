// Opening a store's backend from its URL (docs/store-format.md lists the
// URL forms). OpenBackend dispatches on the scheme; each backend's opener
// lives beside its implementation.
//
// Opening checks the URL and the configuration it needs (credentials,
// HADOOP_CONF_DIR) but sends no request; the first call on the backend
// does. Errors are kInvalidInput for a malformed URL or configuration.
#pragma once

#include <memory>
#include <string_view>

#include "base/result.h"
#include "store/backend.h"

namespace sparkenv::store {

// file://, a plain path, hdfs://, webhdfs://, swebhdfs://, httpfs://, s3://, s3a://.
Result<std::unique_ptr<Backend>> OpenBackend(std::string_view url, const OpenOptions& options);

// file:///abs/path, /abs/path or a relative path (made absolute).
Result<std::unique_ptr<Backend>> OpenFileBackend(std::string_view url, const OpenOptions& options);
// s3://bucket[/prefix], s3a://bucket[/prefix] (s3_backend.cc).
Result<std::unique_ptr<Backend>> OpenS3Backend(std::string_view url, const OpenOptions& options);
// hdfs://, webhdfs://, swebhdfs://, httpfs:// (webhdfs_backend.cc).
Result<std::unique_ptr<Backend>> OpenWebHdfsBackend(std::string_view url,
                                                    const OpenOptions& options);

}  // namespace sparkenv::store
