#include "store/s3_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace sparkenv::store {
namespace {

namespace fs = std::filesystem;

// ---- URLs ----

TEST(S3LocationTest, ParsesBucketAndPrefix) {
  struct Case {
    const char* url;
    const char* scheme;
    const char* bucket;
    const char* prefix;
    const char* display;
  } cases[] = {
      {"s3://bucket", "s3", "bucket", "", "s3://bucket"},
      {"s3://bucket/", "s3", "bucket", "", "s3://bucket"},
      {"s3://my-bucket.example/envs/team_a/", "s3", "my-bucket.example", "envs/team_a",
       "s3://my-bucket.example/envs/team_a"},
      {"s3a://b-1/p", "s3a", "b-1", "p", "s3a://b-1/p"},
      {"s3://abc/a.b/c-d/E_F//", "s3", "abc", "a.b/c-d/E_F", "s3://abc/a.b/c-d/E_F"},
  };
  for (const Case& c : cases) {
    auto loc = S3Location::Parse(c.url);
    ASSERT_TRUE(loc.ok()) << c.url << ": " << loc.error().message();
    EXPECT_EQ(loc->scheme, c.scheme);
    EXPECT_EQ(loc->bucket, c.bucket);
    EXPECT_EQ(loc->prefix, c.prefix);
    EXPECT_EQ(loc->ToString(), c.display);
  }
}

TEST(S3LocationTest, RejectsBadUrlsWithClearMessages) {
  struct Case {
    const char* url;
    const char* message;
  } cases[] = {
      {"gs://bucket", "'gs://bucket': expected s3://BUCKET[/PREFIX] or s3a://BUCKET[/PREFIX]"},
      {"s3://",
       "'s3://': the bucket name is missing; expected s3://BUCKET[/PREFIX] or "
       "s3a://BUCKET[/PREFIX]"},
      {"s3:///prefix",
       "'s3:///prefix': the bucket name is missing; expected s3://BUCKET[/PREFIX] "
       "or s3a://BUCKET[/PREFIX]"},
      {"s3://ab/x",
       "'s3://ab/x': bucket name 'ab' breaks S3's naming rules: it must be 3 to 63 "
       "characters long"},
      {"s3://My_Bucket/x",
       "'s3://My_Bucket/x': bucket name 'My_Bucket' breaks S3's naming "
       "rules: only lowercase letters, digits, '.' and '-' are allowed"},
      {"s3://bucket:9000/x",
       "'s3://bucket:9000/x': bucket name 'bucket:9000' breaks S3's naming "
       "rules: only lowercase letters, digits, '.' and '-' are allowed"},
      {"s3://-bucket",
       "'s3://-bucket': bucket name '-bucket' breaks S3's naming rules: it must "
       "start and end with a letter or digit"},
      {"s3://a..b",
       "'s3://a..b': bucket name 'a..b' breaks S3's naming rules: it must not hold "
       "\"..\""},
      {"s3://192.168.1.1/x",
       "'s3://192.168.1.1/x': bucket name '192.168.1.1' breaks S3's naming "
       "rules: it must not look like an IP address"},
      {"s3://bucket/a b",
       "'s3://bucket/a b': the prefix 'a b' must be '/'-separated segments of "
       "[A-Za-z0-9._-], none empty, '.' or '..'"},
      {"s3://bucket/a//b",
       "'s3://bucket/a//b': the prefix 'a//b' must be '/'-separated segments "
       "of [A-Za-z0-9._-], none empty, '.' or '..'"},
      {"s3://bucket/../x",
       "'s3://bucket/../x': the prefix '../x' must be '/'-separated segments "
       "of [A-Za-z0-9._-], none empty, '.' or '..'"},
      {"s3://bucket/p?x=1",
       "'s3://bucket/p?x=1': a query or fragment is not allowed in a store "
       "URL; expected s3://BUCKET[/PREFIX] or s3a://BUCKET[/PREFIX]"},
      {"s3://AKID:s3cr3t@bucket/p",
       "store URL 's3://***@bucket/p': credentials in an s3:// URL are not supported; set "
       "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or use a profile in ~/.aws/credentials"},
  };
  for (const Case& c : cases) {
    auto loc = S3Location::Parse(c.url);
    ASSERT_FALSE(loc.ok()) << c.url;
    EXPECT_EQ(loc.error().message(), c.message);
    EXPECT_EQ(loc.error().kind(), ErrorKind::kInvalidInput);
  }
}

// ---- INI files ----

TEST(S3IniTest, ParsesSectionsKeysAndSkipsCommentsAndNestedValues) {
  auto ini = ParseIni(
      "# comment\n"
      "[default]\r\n"
      "aws_access_key_id = AKID\n"
      "AWS_Secret_Access_Key=secret = with = equals\n"
      "; another comment\n"
      "\n"
      "[profile dev]\n"
      "region: eu-west-1\n"
      "s3 =\n"
      "  addressing_style = path\n"
      "\tmax_concurrent_requests = 20\n"
      "output = json",
      "/f");
  ASSERT_TRUE(ini.ok()) << ini.error().message();
  EXPECT_EQ((*ini)["default"]["aws_access_key_id"], "AKID");
  EXPECT_EQ((*ini)["default"]["aws_secret_access_key"], "secret = with = equals");
  EXPECT_EQ((*ini)["profile dev"]["region"], "eu-west-1");
  EXPECT_EQ((*ini)["profile dev"]["s3"], "");
  EXPECT_EQ((*ini)["profile dev"]["output"], "json");
  EXPECT_EQ((*ini)["profile dev"].count("addressing_style"), 0u);
}

TEST(S3IniTest, ErrorsNameTheLineButNeverEchoIt) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"wJalrXUtnFEMI/K7MDENG\n", "'/f' line 1: expected KEY = VALUE"},
      {"key = secret-value\n", "'/f' line 1: a setting before any [section]"},
      {"[default\n", "'/f' line 1: expected a section header [NAME]"},
      {"  indented-secret\n", "'/f' line 1: an indented line before any [section]"},
      {"[a]\nx=1\n=secret-value\n", "'/f' line 3: expected KEY = VALUE"},
  };
  for (const Case& c : cases) {
    auto ini = ParseIni(c.text, "/f");
    ASSERT_FALSE(ini.ok()) << c.text;
    EXPECT_EQ(ini.error().message(), c.message);
  }
}

// ---- The resolution chain ----

class S3SettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = ::testing::TempDir() + "/sparkenv_s3cfg_" + std::to_string(getpid()) + "_" +
            std::to_string(counter_++);
    fs::remove_all(home_);
    fs::create_directories(home_ + "/.aws");
    env_["HOME"] = home_;
  }
  void TearDown() override { fs::remove_all(home_); }

  void Write(const std::string& relative, const std::string& text) {
    fs::create_directories(fs::path(home_ + "/" + relative).parent_path());
    std::ofstream(home_ + "/" + relative, std::ios::binary) << text;
  }
  Result<S3Settings> Resolve(const std::string& url = "s3://bucket/p",
                             const std::string& flag = "") {
    auto loc = S3Location::Parse(url);
    EXPECT_TRUE(loc.ok());
    return ResolveS3Settings(*loc, flag, [this](const std::string& name) {
      auto it = env_.find(name);
      return it == env_.end() ? std::nullopt : std::optional<std::string>(it->second);
    });
  }
  std::string home_;
  std::map<std::string, std::string> env_;
  static inline int counter_ = 0;
};

TEST_F(S3SettingsTest, EnvironmentCredentialsWinOverFiles) {
  Write(".aws/credentials", "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = FS\n");
  env_["AWS_ACCESS_KEY_ID"] = "ENVKEY";
  env_["AWS_SECRET_ACCESS_KEY"] = "ENVSECRET";
  env_["AWS_SESSION_TOKEN"] = "ENVTOKEN";
  auto s = Resolve();
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->credentials.access_key_id, "ENVKEY");
  EXPECT_EQ(s->credentials.secret_access_key, "ENVSECRET");
  EXPECT_EQ(s->credentials.session_token, "ENVTOKEN");
  EXPECT_EQ(s->credentials.source,
            "the environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  // AWS: virtual-hosted style in us-east-1 by default.
  EXPECT_EQ(s->region, "us-east-1");
  EXPECT_EQ(s->endpoint.ToString(), "https://bucket.s3.us-east-1.amazonaws.com");
  EXPECT_FALSE(s->endpoint.path_style);
  EXPECT_EQ(s->endpoint.source, "AWS (region us-east-1)");
}

TEST_F(S3SettingsTest, LegacySecurityTokenAndEmptyVariablesCountAsUnset) {
  env_["AWS_ACCESS_KEY_ID"] = "K";
  env_["AWS_SECRET_ACCESS_KEY"] = "S";
  env_["AWS_SESSION_TOKEN"] = "";
  env_["AWS_SECURITY_TOKEN"] = "LEGACY";
  env_["AWS_REGION"] = "";
  env_["AWS_DEFAULT_REGION"] = "eu-central-1";
  auto s = Resolve();
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->credentials.session_token, "LEGACY");
  EXPECT_EQ(s->region, "eu-central-1");
}

TEST_F(S3SettingsTest, HalfGivenEnvironmentCredentialsAreAnError) {
  env_["AWS_ACCESS_KEY_ID"] = "K";
  auto s = Resolve();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(),
            "incomplete AWS credentials in the environment: AWS_ACCESS_KEY_ID is set but "
            "AWS_SECRET_ACCESS_KEY is not");
  env_.erase("AWS_ACCESS_KEY_ID");
  env_["AWS_SECRET_ACCESS_KEY"] = "sentinel-secret";
  s = Resolve();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(),
            "incomplete AWS credentials in the environment: AWS_SECRET_ACCESS_KEY is set but "
            "AWS_ACCESS_KEY_ID is not");
}

TEST_F(S3SettingsTest, DefaultProfileFromTheCredentialsFileThenTheConfigFile) {
  Write(".aws/credentials", "[default]\naws_access_key_id = CREDKEY\naws_secret_access_key = CS\n");
  Write(".aws/config",
        "[default]\nregion = eu-west-3\naws_access_key_id = CFGKEY\naws_secret_access_key = X\n");
  auto s = Resolve();
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->credentials.access_key_id, "CREDKEY");
  EXPECT_EQ(s->credentials.source, "profile 'default' in '" + home_ + "/.aws/credentials'");
  EXPECT_EQ(s->region, "eu-west-3");
  EXPECT_EQ(s->endpoint.ToString(), "https://bucket.s3.eu-west-3.amazonaws.com");

  Write(".aws/credentials", "");
  s = Resolve();
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->credentials.access_key_id, "CFGKEY");
  EXPECT_EQ(s->credentials.source, "profile 'default' in '" + home_ + "/.aws/config'");
}

TEST_F(S3SettingsTest, NamedProfileUsesProfileSectionsAndFileVariables) {
  Write("elsewhere/creds",
        "[dev]\naws_access_key_id = DEVKEY\naws_secret_access_key = DS\n"
        "aws_session_token = DT\n");
  Write("elsewhere/config",
        "[profile dev]\nregion = ap-south-1\n"
        "endpoint_url = http://minio.local:9000/\n"
        "[dev]\nregion = wrong-section\n");
  env_["AWS_SHARED_CREDENTIALS_FILE"] = "~/elsewhere/creds";
  env_["AWS_CONFIG_FILE"] = home_ + "/elsewhere/config";
  env_["AWS_PROFILE"] = "dev";
  auto s = Resolve();
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->credentials.access_key_id, "DEVKEY");
  EXPECT_EQ(s->credentials.session_token, "DT");
  EXPECT_EQ(s->region, "ap-south-1");
  EXPECT_EQ(s->endpoint.ToString(), "http://minio.local:9000");
  EXPECT_TRUE(s->endpoint.path_style);
  EXPECT_EQ(s->endpoint.source,
            "endpoint_url of profile 'dev' in '" + home_ + "/elsewhere/config'");
}

TEST_F(S3SettingsTest, ExplicitProfileThatDoesNotExistIsAnError) {
  Write(".aws/config", "[profile other]\nregion = us-west-2\n");
  env_["AWS_PROFILE"] = "missing";
  env_["AWS_ACCESS_KEY_ID"] = "K";
  env_["AWS_SECRET_ACCESS_KEY"] = "S";
  auto s = Resolve();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(), "AWS_PROFILE 'missing': no such profile in '" + home_ +
                                     "/.aws/credentials' ([missing]) or '" + home_ +
                                     "/.aws/config' ([profile missing])");
}

TEST_F(S3SettingsTest, NoCredentialsNamesWhereItLooked) {
  auto s = Resolve();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind(), ErrorKind::kInvalidInput);
  EXPECT_EQ(s.error().message(),
            "no AWS credentials for s3://bucket/p: looked in the environment (AWS_ACCESS_KEY_ID, "
            "AWS_SECRET_ACCESS_KEY), profile 'default' in '" +
                home_ + "/.aws/credentials' and in '" + home_ +
                "/.aws/config'; instance metadata, container, SSO and assume-role credentials "
                "are not supported");
}

TEST_F(S3SettingsTest, IncompleteProfileCredentialsAreAnErrorWithoutTheSecret) {
  Write(".aws/credentials", "[default]\naws_secret_access_key = sentinel-secret\n");
  auto s = Resolve();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(), "incomplete AWS credentials in profile 'default' in '" + home_ +
                                     "/.aws/credentials': aws_secret_access_key is set but "
                                     "aws_access_key_id is not");
}

TEST_F(S3SettingsTest, UnsupportedSourcesAreNamed) {
  Write(".aws/config", "[default]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = base\n");
  auto s = Resolve();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(),
            "profile 'default' in '" + home_ +
                "/.aws/config' sets role_arn, a credential source that needs AWS STS or SSO, "
                "which sparkenv does not support; set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), e.g. from `aws configure "
                "export-credentials --format env`");

  Write(".aws/config", "[default]\ncredential_process = /bin/get-creds\n");
  s = Resolve();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(),
            "profile 'default' in '" + home_ +
                "/.aws/config' sets credential_process, which sparkenv does not run; set "
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), e.g. from "
                "`aws configure export-credentials --format env`");

  // Static keys in the credentials file win over credential_process, as in
  // botocore's chain.
  Write(".aws/credentials", "[default]\naws_access_key_id = K\naws_secret_access_key = S\n");
  s = Resolve();
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->credentials.access_key_id, "K");
}

TEST_F(S3SettingsTest, UnreadableFileIsAnError) {
  // A folder where the file should be: unreadable even for root.
  fs::create_directories(home_ + "/.aws/credentials");
  auto s = Resolve();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(), "cannot read '" + home_ + "/.aws/credentials': Is a directory");
}

TEST_F(S3SettingsTest, EndpointOrder) {
  env_["AWS_ACCESS_KEY_ID"] = "K";
  env_["AWS_SECRET_ACCESS_KEY"] = "S";
  Write(".aws/config", "[default]\nendpoint_url = http://profile:1\n");
  auto s = Resolve();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->endpoint.ToString(), "http://profile:1");
  env_["AWS_ENDPOINT_URL"] = "http://general:2";
  s = Resolve();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->endpoint.ToString(), "http://general:2");
  EXPECT_EQ(s->endpoint.source, "AWS_ENDPOINT_URL");
  env_["AWS_ENDPOINT_URL_S3"] = "HTTPS://S3Only:3/";
  s = Resolve();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->endpoint.ToString(), "https://s3only:3");
  EXPECT_EQ(s->endpoint.source, "AWS_ENDPOINT_URL_S3");
  s = Resolve("s3://bucket/p", "http://127.0.0.1:18333");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->endpoint.ToString(), "http://127.0.0.1:18333");
  EXPECT_EQ(s->endpoint.source, "--endpoint");
  EXPECT_TRUE(s->endpoint.path_style);
  env_["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true";
  s = Resolve();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->endpoint.ToString(), "https://bucket.s3.us-east-1.amazonaws.com");
}

TEST_F(S3SettingsTest, DottedBucketOnAwsUsesPathStyle) {
  env_["AWS_ACCESS_KEY_ID"] = "K";
  env_["AWS_SECRET_ACCESS_KEY"] = "S";
  env_["AWS_REGION"] = "eu-north-1";
  env_["AWS_DEFAULT_REGION"] = "us-west-1";
  auto s = Resolve("s3://my.bucket/p");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->region, "eu-north-1");
  EXPECT_EQ(s->endpoint.ToString(), "https://s3.eu-north-1.amazonaws.com");
  EXPECT_TRUE(s->endpoint.path_style);
}

TEST_F(S3SettingsTest, BadEndpointsAndRegions) {
  env_["AWS_ACCESS_KEY_ID"] = "K";
  env_["AWS_SECRET_ACCESS_KEY"] = "S";
  struct Case {
    const char* flag;
    const char* message;
  } cases[] = {
      {"ftp://host", "--endpoint 'ftp://host': expected http://HOST[:PORT] or https://HOST[:PORT]"},
      {"127.0.0.1:9000",
       "--endpoint '127.0.0.1:9000': expected http://HOST[:PORT] or https://HOST[:PORT]"},
      {"http://", "--endpoint 'http://': expected http://HOST[:PORT] or https://HOST[:PORT]"},
      {"http://h/base",
       "--endpoint 'http://h/base': a path, query or fragment is not supported; "
       "expected http://HOST[:PORT] or https://HOST[:PORT]"},
      {"http://user:pw@h",
       "--endpoint 'http://user:***@h': user info is not allowed in an "
       "endpoint (credentials come from the AWS credential chain); expected "
       "http://HOST[:PORT] or https://HOST[:PORT]"},
  };
  for (const Case& c : cases) {
    auto s = Resolve("s3://bucket/p", c.flag);
    ASSERT_FALSE(s.ok()) << c.flag;
    EXPECT_EQ(s.error().message(), c.message);
  }
  env_["AWS_REGION"] = "us east";
  auto s = Resolve();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(),
            "AWS_REGION 'us east': expected a region name such as us-east-1 "
            "(lowercase letters, digits, '-')");
}

}  // namespace
}  // namespace sparkenv::store
