// A wheel's core metadata from the cheapest source (as uv does):
//   1. the PEP 658/714 "<file url>.metadata" file, when the index says it
//      exists; its sha256 is verified when the index gives one (a mismatch
//      is an error, never a silent fallback);
//   2. HTTP range requests: the archive's tail (kZipTailBytes, which holds
//      the central directory of most wheels), then the
//      "*.dist-info/METADATA" member (zip_reader.h) -- usually 2 requests;
//   3. the whole file, when the server ignores ranges or the range path fails.
// file:// URLs (find-links folders) are read from disk through the same zip
// reader. For an sdist the whole file is read and its PKG-INFO used when PEP
// 643 makes it reliable (Metadata-Version >= 2.2, Requires-Dist and
// Requires-Python not Dynamic); otherwise it would need a build, which is an
// error of kind kNotFound (sdist_reader.h).
//
// Blocking: each call waits for its requests, so callers that want
// parallelism call from several threads (the http::Client runs transfers
// concurrently). Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "http/client.h"
#include "index/cache.h"
#include "index/project_page.h"
#include "spec/metadata.h"

namespace sparkenv::index {

enum class MetadataOrigin { kMetadataFile, kRangeRequests, kWholeFile, kLocalFile, kCache };
std::string_view ToString(MetadataOrigin origin);

struct RawMetadata {
  std::string text;  // the METADATA bytes
  MetadataOrigin origin = MetadataOrigin::kMetadataFile;
  int requests = 0;  // HTTP requests made
};

struct MetadataSourceOptions {
  bool use_metadata_file = true;   // step 1
  bool use_range_requests = true;  // step 2
  // When set, extracted METADATA of remote wheels is kept in the HTTP cache
  // (keyed by the file URL and its sha256, which never change for a
  // published file) and reused without any request -- also in offline mode.
  const HttpCache* cache = nullptr;
  // Offline: only the cache (and local files) may answer.
  bool offline = false;
};

class MetadataSource {
 public:
  explicit MetadataSource(http::Client& client, MetadataSourceOptions options = {})
      : client_(client), options_(options) {}

  // The METADATA bytes, unparsed. Errors name the file and the URL.
  Result<RawMetadata> FetchRaw(const DistFile& file) const;

  // FetchRaw, parsed (spec::Metadata), and checked to name the file's own
  // project and version.
  Result<spec::Metadata> Fetch(const DistFile& file) const;

 private:
  Result<RawMetadata> FetchRemote(const DistFile& file, const std::string& context,
                                  RawMetadata out) const;

  http::Client& client_;
  MetadataSourceOptions options_;
};

// Checks that `metadata` names the project and version of `file`.
Status CheckMetadataMatchesFile(const spec::Metadata& metadata, const DistFile& file);

}  // namespace sparkenv::index
