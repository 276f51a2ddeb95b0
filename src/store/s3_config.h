// What an s3:// store needs before it sends a request: the bucket and
// prefix from its URL, the endpoint and addressing style, the region and
// the credentials, resolved the way the AWS CLI and SDKs (botocore) do,
// minus the sources that need the network. docs/store-s3.md has the orders.
//
// Everything is read through OpenOptions::getenv and the files it names;
// nothing here sends a request. Errors are kInvalidInput and name the
// variable, file or URL at fault; no message ever holds a secret or a
// session token. Thread-safe (pure functions).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "store/backend.h"
#include "store/s3_sigv4.h"

namespace sparkenv::store {

using GetEnv = std::function<std::optional<std::string>(const std::string& name)>;

// s3://bucket[/prefix] or s3a://bucket[/prefix].
struct S3Location {
  std::string scheme;  // "s3" or "s3a", as written
  std::string bucket;
  std::string prefix;  // no leading or trailing '/'; empty for the bucket's root

  // Parses and validates: the bucket name follows S3's rules (3-63 of
  // [a-z0-9.-], a letter or digit at each end, no "..", not an IPv4
  // address); the prefix is '/'-separated segments of [A-Za-z0-9._-] (the
  // rule of store keys, so every key and the s3a:// URL Hadoop reads stay
  // plain); no user info, query or fragment.
  static Result<S3Location> Parse(std::string_view url);
  // "s3://bucket/prefix" (the scheme as written, no trailing '/').
  std::string ToString() const;
};

// The HTTP side: where requests go and how objects are addressed.
struct S3Endpoint {
  std::string scheme;     // "https" or "http"
  std::string authority;  // host[:port], as sent in the Host header
  bool path_style = false;
  // "--endpoint", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "profile 'x'
  // endpoint_url in FILE" or "AWS (region us-east-1)": for messages.
  std::string source;

  std::string ToString() const { return scheme + "://" + authority; }
};

// --endpoint (`flag`, when not empty) > AWS_ENDPOINT_URL_S3 >
// AWS_ENDPOINT_URL > the profile's endpoint_url > AWS. A custom endpoint is
// http(s)://host[:port] with at most a trailing '/', and uses path-style
// addressing; AWS is https://s3.<region>.amazonaws.com, virtual-hosted
// (https://<bucket>.s3.<region>.amazonaws.com), or path-style for a bucket
// whose name holds a '.', which the wildcard TLS certificate cannot cover.
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true ignores all but the flag.
struct S3Settings {
  S3Endpoint endpoint;
  std::string region;
  AwsCredentials credentials;
};

// An AWS shared config or credentials file: section name -> key -> value.
// Keys are lowercased; nested (indented) sub-sections are skipped.
using IniFile = std::map<std::string, std::map<std::string, std::string>>;
// Parses the INI dialect the AWS CLI reads: "[section]", "key = value",
// whole-line comments starting with '#' or ';'. `path` names the file in
// errors.
Result<IniFile> ParseIni(std::string_view text, const std::string& path);

// Resolves endpoint, region and credentials for `location`:
//   region: AWS_REGION > AWS_DEFAULT_REGION > the profile's region > us-east-1;
//   credentials: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN)
//     > the profile in the shared credentials file > the profile in the
//     config file;
//   profile: AWS_PROFILE > AWS_DEFAULT_PROFILE > "default", read from
//     AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials, section [name]) and
//     AWS_CONFIG_FILE (~/.aws/config, section [profile name], or [default]).
// A profile named explicitly but found in neither file, keys given half
// (an id without a secret), a profile that needs a source sparkenv does not
// implement (role_arn, sso_*, credential_process, web_identity_token_file)
// or no credentials at all are errors naming where sparkenv looked.
Result<S3Settings> ResolveS3Settings(const S3Location& location, std::string_view endpoint_flag,
                                     const GetEnv& getenv);

}  // namespace sparkenv::store
