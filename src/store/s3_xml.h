// The few S3 XML documents the s3 backend reads and writes: error bodies,
// ListObjectsV2 pages, InitiateMultipartUpload and CompleteMultipartUpload
// results, and the CompleteMultipartUpload request. Parsed with expat
// (libexpat1-dev); documents with a DTD are refused (S3 never sends one, and
// entity tricks live there). Also the two date formats S3 answers with.
//
// Pure functions over strings; thread-safe. Errors are kIo ("the server's
// answer is malformed"), never holding more than a short excerpt of it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sparkenv::store {

// <Error><Code>NoSuchKey</Code><Message>...</Message>...</Error>
struct S3ErrorBody {
  std::string code;
  std::string message;
  std::string region;  // <Region>, in some redirect and region errors
};
// std::nullopt when `body` is not an S3 error document.
std::optional<S3ErrorBody> ParseS3Error(std::string_view body);

struct S3ListEntry {
  std::string key;  // the whole key, bucket prefix included
  uint64_t size = 0;
  int64_t mtime_ms = 0;  // LastModified, Unix milliseconds
};
struct S3ListPage {
  std::vector<S3ListEntry> entries;
  bool truncated = false;
  std::string next_token;  // NextContinuationToken, when truncated
};
// A <ListBucketResult> page of ListObjectsV2.
Result<S3ListPage> ParseListObjectsV2(std::string_view body);

// The <UploadId> of an <InitiateMultipartUploadResult>.
Result<std::string> ParseInitiateMultipartUpload(std::string_view body);

// The body of CompleteMultipartUpload: part i+1 has ETag etags[i].
std::string CompleteMultipartUploadBody(const std::vector<std::string>& etags);
// A 200 answer to CompleteMultipartUpload may still be an <Error> (S3 sends
// the status before it knows): OK only for <CompleteMultipartUploadResult>.
// An <Error> comes back as its S3ErrorBody in the error's message form
// "<Code>: <Message>" with kind kIo; use ParseS3Error first to map it.
Status CheckCompleteMultipartUpload(std::string_view body);

// "2009-10-12T17:50:30.000Z" (ISO 8601, UTC, fraction optional).
std::optional<int64_t> ParseIso8601Ms(std::string_view text);
// "Wed, 12 Oct 2009 17:50:00 GMT" (RFC 7231 IMF-fixdate).
std::optional<int64_t> ParseHttpDateMs(std::string_view text);

// Escapes & < > " ' for XML text.
std::string XmlEscape(std::string_view text);

}  // namespace sparkenv::store
