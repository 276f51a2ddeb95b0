#include "store/s3_xml.h"

#include <gtest/gtest.h>

namespace sparkenv::store {
namespace {

TEST(S3XmlTest, ParsesErrorBodies) {
  auto e = ParseS3Error(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message>"
      "<BucketName>nope</BucketName><RequestId>4442587FB7D0A2F9</RequestId></Error>");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, "NoSuchBucket");
  EXPECT_EQ(e->message, "The specified bucket does not exist");
  EXPECT_EQ(e->region, "");

  e = ParseS3Error(
      "<Error><Code>AuthorizationHeaderMalformed</Code><Message>the region 'us-east-1' is "
      "wrong; expecting 'eu-west-1'</Message><Region>eu-west-1</Region></Error>");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->region, "eu-west-1");

  // Entities are decoded.
  e = ParseS3Error("<Error><Code>X</Code><Message>a &amp; b &lt;c&gt;</Message></Error>");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->message, "a & b <c>");
}

TEST(S3XmlTest, NonErrorBodiesAreNotErrors) {
  EXPECT_FALSE(ParseS3Error(""));
  EXPECT_FALSE(ParseS3Error("<html><body>503 Service Unavailable</body></html>"));
  EXPECT_FALSE(ParseS3Error("<Error><Message>no code</Message></Error>"));
  EXPECT_FALSE(ParseS3Error("<Error><Code>X</Code>"));  // truncated
  EXPECT_FALSE(ParseS3Error("not xml"));
}

TEST(S3XmlTest, RefusesDtds) {
  // The "billion laughs" shape: refused before any entity is expanded.
  std::string bomb =
      "<?xml version=\"1.0\"?><!DOCTYPE Error [<!ENTITY a \"aaaaaaaaaa\">"
      "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><Error><Code>&b;</Code></Error>";
  EXPECT_FALSE(ParseS3Error(bomb));
  auto page = ParseListObjectsV2("<!DOCTYPE x><ListBucketResult/>");
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().message(), "malformed ListObjectsV2 answer: a DTD is not allowed");
}

TEST(S3XmlTest, ListObjectsV2Page) {
  auto page = ParseListObjectsV2(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Name>bucket</Name><Prefix>p/blobs/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>"
      "<IsTruncated>true</IsTruncated>"
      "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>"
      "<Contents><Key>p/blobs/a.tar.gz</Key><LastModified>2009-10-12T17:50:30.000Z</LastModified>"
      "<ETag>\"fba9dede5f27731c9771645a39863328\"</ETag><Size>434234</Size>"
      "<StorageClass>STANDARD</StorageClass></Contents>"
      "<Contents><Key>p/blobs/b &amp; c</Key><LastModified>1970-01-01T00:00:01Z</LastModified>"
      "<Size>0</Size></Contents>"
      "</ListBucketResult>");
  ASSERT_TRUE(page.ok()) << page.error().message();
  ASSERT_EQ(page->entries.size(), 2u);
  EXPECT_EQ(page->entries[0].key, "p/blobs/a.tar.gz");
  EXPECT_EQ(page->entries[0].size, 434234u);
  EXPECT_EQ(page->entries[0].mtime_ms, 1255369830000);
  EXPECT_EQ(page->entries[1].key, "p/blobs/b & c");
  EXPECT_EQ(page->entries[1].size, 0u);
  EXPECT_EQ(page->entries[1].mtime_ms, 1000);
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");

  page = ParseListObjectsV2(
      "<ListBucketResult><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated>"
      "</ListBucketResult>");
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->entries.empty());
  EXPECT_FALSE(page->truncated);
}

TEST(S3XmlTest, MalformedListPages) {
  struct Case {
    const char* body;
    const char* message;
  } cases[] = {
      {"", "malformed ListObjectsV2 answer: no element found at line 1"},
      {"<Error><Code>AccessDenied</Code></Error>",
       "malformed ListObjectsV2 answer: expected <ListBucketResult>, got "
       "'<Error><Code>AccessDenied</Code></Error>'"},
      {"<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>",
       "malformed ListObjectsV2 answer: an entry without a Key or a Size"},
      {"<ListBucketResult><Contents><Key>k</Key><Size>-1</Size></Contents></ListBucketResult>",
       "malformed ListObjectsV2 answer: an entry without a Key or a Size"},
      {"<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>",
       "malformed ListObjectsV2 answer: truncated without a NextContinuationToken"},
      {"<ListBucketResult><Contents></ListBucketResult>",
       "malformed ListObjectsV2 answer: mismatched tag at line 1"},
  };
  for (const Case& c : cases) {
    auto page = ParseListObjectsV2(c.body);
    ASSERT_FALSE(page.ok()) << c.body;
    EXPECT_EQ(page.error().message(), c.message);
    EXPECT_EQ(page.error().kind(), ErrorKind::kIo);
  }
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "<a>";
  auto page = ParseListObjectsV2(deep);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().message(), "malformed ListObjectsV2 answer: nested too deeply");
}

TEST(S3XmlTest, MultipartDocuments) {
  auto id = ParseInitiateMultipartUpload(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult "
      "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Bucket>b</Bucket><Key>k</Key>"
      "<UploadId>VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA</UploadId>"
      "</InitiateMultipartUploadResult>");
  ASSERT_TRUE(id.ok()) << id.error().message();
  EXPECT_EQ(*id, "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA");
  auto bad = ParseInitiateMultipartUpload("<InitiateMultipartUploadResult/>");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(),
            "malformed InitiateMultipartUpload answer: no UploadId in "
            "'<InitiateMultipartUploadResult/>'");

  EXPECT_EQ(CompleteMultipartUploadBody({"\"a1\"", "\"b&2\""}),
            "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            "<Part><PartNumber>1</PartNumber><ETag>&quot;a1&quot;</ETag></Part>"
            "<Part><PartNumber>2</PartNumber><ETag>&quot;b&amp;2&quot;</ETag></Part>"
            "</CompleteMultipartUpload>");

  EXPECT_TRUE(CheckCompleteMultipartUpload(
                  "<CompleteMultipartUploadResult><Location>x</Location><ETag>\"e-2\"</ETag>"
                  "</CompleteMultipartUploadResult>")
                  .ok());
  Status s = CheckCompleteMultipartUpload(
      "\n\n<Error><Code>InternalError</Code><Message>We encountered an internal error. Please "
      "try again.</Message></Error>");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(),
            "InternalError: We encountered an internal error. Please try again.");
}

TEST(S3XmlTest, Dates) {
  EXPECT_EQ(ParseIso8601Ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseIso8601Ms("2009-10-12T17:50:30.000Z"), 1255369830000);
  EXPECT_EQ(ParseIso8601Ms("2009-10-12T17:50:30.5Z"), 1255369830500);
  EXPECT_EQ(ParseIso8601Ms("2024-02-29T23:59:59.999999Z"), 1709251199999);
  EXPECT_FALSE(ParseIso8601Ms("2009-10-12T17:50:30"));
  EXPECT_FALSE(ParseIso8601Ms("2009-10-12 17:50:30Z"));
  EXPECT_FALSE(ParseIso8601Ms("2009-13-12T17:50:30Z"));
  EXPECT_FALSE(ParseIso8601Ms("2009-10-12T17:50:30.Z"));
  EXPECT_FALSE(ParseIso8601Ms(""));

  EXPECT_EQ(ParseHttpDateMs("Wed, 12 Oct 2009 17:50:30 GMT"), 1255369830000);
  EXPECT_EQ(ParseHttpDateMs("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
  EXPECT_FALSE(ParseHttpDateMs("Wed, 12 Foo 2009 17:50:30 GMT"));
  EXPECT_FALSE(ParseHttpDateMs("Wednesday, 12-Oct-09 17:50:30 GMT"));
  EXPECT_FALSE(ParseHttpDateMs(""));
}

}  // namespace
}  // namespace sparkenv::store
