#include "store/s3_config.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/strings.h"
#include "http/url.h"

namespace sparkenv::store {

namespace {

constexpr std::string_view kUrlForm = "expected s3://BUCKET[/PREFIX] or s3a://BUCKET[/PREFIX]";
constexpr std::string_view kEndpointForm = "expected http://HOST[:PORT] or https://HOST[:PORT]";
constexpr std::string_view kDefaultRegion = "us-east-1";

bool IsIpv4Address(std::string_view s) {
  std::vector<std::string> parts = Split(s, '.');
  if (parts.size() != 4) return false;
  for (const std::string& p : parts) {
    if (p.empty() || p.size() > 3) return false;
    for (char c : p) {
      if (!IsAsciiDigit(c)) return false;
    }
  }
  return true;
}

// Why `bucket` breaks S3's naming rules, or "" when it is fine.
std::string BucketProblem(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return "it must be 3 to 63 characters long";
  for (char c : bucket) {
    bool ok = (c >= 'a' && c <= 'z') || IsAsciiDigit(c) || c == '.' || c == '-';
    if (!ok) return "only lowercase letters, digits, '.' and '-' are allowed";
  }
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || IsAsciiDigit(c); };
  if (!alnum(bucket.front()) || !alnum(bucket.back())) {
    return "it must start and end with a letter or digit";
  }
  if (bucket.find("..") != std::string_view::npos) return "it must not hold \"..\"";
  if (IsIpv4Address(bucket)) return "it must not look like an IP address";
  return "";
}

std::optional<std::string> Env(const GetEnv& getenv, const std::string& name) {
  std::optional<std::string> v = getenv(name);
  if (!v || v->empty()) return std::nullopt;  // empty counts as unset, as in botocore
  return v;
}

// A path from the environment, "~/" expanded with HOME.
std::optional<std::string> ExpandHome(const std::string& path, const GetEnv& getenv) {
  if (path == "~" || StartsWith(path, "~/")) {
    std::optional<std::string> home = Env(getenv, "HOME");
    if (!home) return std::nullopt;
    return *home + path.substr(1);
  }
  return path;
}

// The file's text; std::nullopt when it does not exist.
Result<std::optional<std::string>> ReadOptionalFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::optional<std::string>();
    return Error("cannot read " + Quote(path) + ": " + std::strerror(errno));
  }
  std::string text;
  char buffer[8192];
  while (true) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int saved = errno;
      close(fd);
      return Error("cannot read " + Quote(path) + ": " + std::strerror(saved));
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return std::optional<std::string>(std::move(text));
}

struct Profile {
  std::string name;
  bool explicit_name = false;  // from AWS_PROFILE / AWS_DEFAULT_PROFILE
  std::string name_source;     // "AWS_PROFILE", ...
  std::string credentials_path;
  std::string config_path;
  const std::map<std::string, std::string>* credentials = nullptr;  // section in credentials file
  const std::map<std::string, std::string>* config = nullptr;       // section in config file

  std::optional<std::string> Get(const std::string& key) const {
    // The credentials file wins over the config file, as in botocore.
    for (const auto* section : {credentials, config}) {
      if (!section) continue;
      auto it = section->find(key);
      if (it != section->end() && !it->second.empty()) return it->second;
    }
    return std::nullopt;
  }
  // Which file holds `key`, for messages.
  std::string Where(const std::string& key) const {
    if (credentials && credentials->count(key)) {
      return "profile " + Quote(name) + " in " + Quote(credentials_path);
    }
    return "profile " + Quote(name) + " in " + Quote(config_path);
  }
};

Result<S3Endpoint> ParseEndpoint(const std::string& value, const std::string& source) {
  std::string shown = http::RedactUrl(value);
  http::UrlParts parts = http::UrlParts::Parse(value);
  std::string scheme = ToLowerAscii(parts.scheme);
  if ((scheme != "http" && scheme != "https") || !parts.has_authority || parts.authority.empty()) {
    return Error(source + " " + Quote(shown) + ": " + std::string(kEndpointForm));
  }
  if (parts.authority.find('@') != std::string::npos) {
    return Error(source + " " + Quote(shown) +
                 ": user info is not allowed in an endpoint (credentials come from the AWS "
                 "credential chain); " +
                 std::string(kEndpointForm));
  }
  if ((!parts.path.empty() && parts.path != "/") || parts.has_query || parts.has_fragment) {
    return Error(source + " " + Quote(shown) + ": a path, query or fragment is not supported; " +
                 std::string(kEndpointForm));
  }
  S3Endpoint e;
  e.scheme = scheme;
  e.authority = ToLowerAscii(parts.authority);
  e.path_style = true;
  e.source = source;
  return e;
}

Result<std::string> CheckRegion(const std::string& region, const std::string& source) {
  bool ok = !region.empty() && region.size() <= 64;
  for (char c : region) {
    if (!((c >= 'a' && c <= 'z') || IsAsciiDigit(c) || c == '-')) ok = false;
  }
  if (!ok) {
    return Error(source + " " + Quote(region) +
                 ": expected a region name such as us-east-1 (lowercase letters, digits, '-')");
  }
  return region;
}

// Credentials from one place: both keys or neither.
Result<std::optional<AwsCredentials>> Pair(const std::optional<std::string>& id,
                                           const std::optional<std::string>& secret,
                                           const std::optional<std::string>& token,
                                           const std::string& id_name,
                                           const std::string& secret_name,
                                           const std::string& where) {
  if (!id && !secret) return std::optional<AwsCredentials>();
  if (!id || !secret) {
    return Error("incomplete AWS credentials in " + where + ": " + (id ? id_name : secret_name) +
                 " is set but " + (id ? secret_name : id_name) + " is not");
  }
  return std::optional<AwsCredentials>(AwsCredentials{*id, *secret, token.value_or(""), where});
}

}  // namespace

Result<S3Location> S3Location::Parse(std::string_view url) {
  S3Location loc;
  std::string_view rest;
  if (StartsWith(url, "s3://")) {
    loc.scheme = "s3";
    rest = url.substr(5);
  } else if (StartsWith(url, "s3a://")) {
    loc.scheme = "s3a";
    rest = url.substr(6);
  } else {
    return Error(Quote(url) + ": " + std::string(kUrlForm));
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (authority.find('@') != std::string_view::npos) {
    // Never echo what came before the '@': it may be a secret.
    std::string_view after = rest.substr(authority.rfind('@') + 1);
    return Error("store URL '" + loc.scheme + "://***@" + std::string(after) +
                 "': credentials in an s3:// URL are not supported; set AWS_ACCESS_KEY_ID and "
                 "AWS_SECRET_ACCESS_KEY, or use a profile in ~/.aws/credentials");
  }
  if (url.find_first_of("?#") != std::string_view::npos) {
    return Error(Quote(url) + ": a query or fragment is not allowed in a store URL; " +
                 std::string(kUrlForm));
  }
  if (authority.empty()) {
    return Error(Quote(url) + ": the bucket name is missing; " + std::string(kUrlForm));
  }
  std::string problem = BucketProblem(authority);
  if (!problem.empty()) {
    return Error(Quote(url) + ": bucket name " + Quote(authority) +
                 " breaks S3's naming rules: " + problem);
  }
  loc.bucket = std::string(authority);
  if (slash != std::string_view::npos) {
    std::string_view prefix = rest.substr(slash + 1);
    while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
    if (!prefix.empty() && !ValidKey(prefix)) {
      return Error(Quote(url) + ": the prefix " + Quote(prefix) +
                   " must be '/'-separated segments of [A-Za-z0-9._-], none empty, '.' or '..'");
    }
    loc.prefix = std::string(prefix);
  }
  return loc;
}

std::string S3Location::ToString() const {
  return scheme + "://" + bucket + (prefix.empty() ? "" : "/" + prefix);
}

Result<IniFile> ParseIni(std::string_view text, const std::string& path) {
  IniFile out;
  std::map<std::string, std::string>* section = nullptr;
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view trimmed = TrimAscii(line);
    if (trimmed.empty() || trimmed.front() == '#' || trimmed.front() == ';') continue;
    // An indented line continues the previous key: a nested sub-section
    // ("s3 =\n  addressing_style = path"), which sparkenv does not read.
    if (line.front() == ' ' || line.front() == '\t') {
      if (!section) {
        return Error(Quote(path) + " line " + std::to_string(line_no) +
                     ": an indented line before any [section]");
      }
      continue;
    }
    // Lines are never echoed: they may hold a secret.
    if (trimmed.front() == '[') {
      if (trimmed.back() != ']') {
        return Error(Quote(path) + " line " + std::to_string(line_no) +
                     ": expected a section header [NAME]");
      }
      std::string name(TrimAscii(trimmed.substr(1, trimmed.size() - 2)));
      section = &out[name];
      continue;
    }
    size_t sep = trimmed.find_first_of("=:");
    if (sep == std::string_view::npos || sep == 0) {
      return Error(Quote(path) + " line " + std::to_string(line_no) + ": expected KEY = VALUE");
    }
    if (!section) {
      return Error(Quote(path) + " line " + std::to_string(line_no) +
                   ": a setting before any [section]");
    }
    std::string key = ToLowerAscii(TrimAscii(trimmed.substr(0, sep)));
    (*section)[key] = std::string(TrimAscii(trimmed.substr(sep + 1)));
  }
  return out;
}

Result<S3Settings> ResolveS3Settings(const S3Location& location, std::string_view endpoint_flag,
                                     const GetEnv& getenv) {
  S3Settings settings;

  // --- the profile and its files ---
  Profile profile;
  profile.name = "default";
  for (const char* var : {"AWS_PROFILE", "AWS_DEFAULT_PROFILE"}) {
    if (auto v = Env(getenv, var)) {
      profile.name = *v;
      profile.explicit_name = true;
      profile.name_source = var;
      break;
    }
  }
  std::optional<std::string> credentials_path =
      ExpandHome(Env(getenv, "AWS_SHARED_CREDENTIALS_FILE").value_or("~/.aws/credentials"), getenv);
  std::optional<std::string> config_path =
      ExpandHome(Env(getenv, "AWS_CONFIG_FILE").value_or("~/.aws/config"), getenv);
  profile.credentials_path = credentials_path.value_or("~/.aws/credentials (HOME is not set)");
  profile.config_path = config_path.value_or("~/.aws/config (HOME is not set)");
  IniFile credentials_file;
  IniFile config_file;
  for (auto [path, file] :
       {std::pair{&credentials_path, &credentials_file}, std::pair{&config_path, &config_file}}) {
    if (!*path) continue;
    auto text = ReadOptionalFile(**path);
    if (!text.ok()) return text.error();
    if (!text->has_value()) continue;
    auto parsed = ParseIni(**text, **path);
    if (!parsed.ok()) return parsed.error();
    *file = std::move(parsed).value();
  }
  if (auto it = credentials_file.find(profile.name); it != credentials_file.end()) {
    profile.credentials = &it->second;
  }
  for (const std::string& section :
       {"profile " + profile.name, profile.name == "default" ? std::string("default") : ""}) {
    if (section.empty()) continue;
    if (auto it = config_file.find(section); it != config_file.end()) {
      profile.config = &it->second;
      break;
    }
  }
  if (profile.explicit_name && !profile.credentials && !profile.config) {
    return Error(profile.name_source + " " + Quote(profile.name) + ": no such profile in " +
                 Quote(profile.credentials_path) + " ([" + profile.name + "]) or " +
                 Quote(profile.config_path) + " ([profile " + profile.name + "])");
  }

  // --- region ---
  if (auto v = Env(getenv, "AWS_REGION")) {
    auto r = CheckRegion(*v, "AWS_REGION");
    if (!r.ok()) return r.error();
    settings.region = *r;
  } else if (auto d = Env(getenv, "AWS_DEFAULT_REGION")) {
    auto r = CheckRegion(*d, "AWS_DEFAULT_REGION");
    if (!r.ok()) return r.error();
    settings.region = *r;
  } else if (auto p = profile.Get("region")) {
    auto r = CheckRegion(*p, "region of " + profile.Where("region"));
    if (!r.ok()) return r.error();
    settings.region = *r;
  } else {
    settings.region = std::string(kDefaultRegion);
  }

  // --- endpoint ---
  bool ignore_configured =
      ToLowerAscii(Env(getenv, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").value_or("")) == "true";
  std::optional<std::pair<std::string, std::string>> custom;  // value, source
  if (!endpoint_flag.empty()) {
    custom.emplace(std::string(endpoint_flag), "--endpoint");
  } else if (!ignore_configured) {
    if (auto v = Env(getenv, "AWS_ENDPOINT_URL_S3")) {
      custom.emplace(*v, "AWS_ENDPOINT_URL_S3");
    } else if (auto w = Env(getenv, "AWS_ENDPOINT_URL")) {
      custom.emplace(*w, "AWS_ENDPOINT_URL");
    } else if (auto p = profile.Get("endpoint_url")) {
      custom.emplace(*p, "endpoint_url of " + profile.Where("endpoint_url"));
    }
  }
  if (custom) {
    auto e = ParseEndpoint(custom->first, custom->second);
    if (!e.ok()) return e.error();
    settings.endpoint = std::move(e).value();
  } else {
    settings.endpoint.scheme = "https";
    settings.endpoint.path_style = location.bucket.find('.') != std::string::npos;
    settings.endpoint.authority =
        settings.endpoint.path_style
            ? "s3." + settings.region + ".amazonaws.com"
            : location.bucket + ".s3." + settings.region + ".amazonaws.com";
    settings.endpoint.source = "AWS (region " + settings.region + ")";
  }

  // --- credentials ---
  auto from_env = Pair(Env(getenv, "AWS_ACCESS_KEY_ID"), Env(getenv, "AWS_SECRET_ACCESS_KEY"),
                       Env(getenv, "AWS_SESSION_TOKEN") ? Env(getenv, "AWS_SESSION_TOKEN")
                                                        : Env(getenv, "AWS_SECURITY_TOKEN"),
                       "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "the environment");
  if (!from_env.ok()) return from_env.error();
  if (from_env->has_value()) {
    settings.credentials = std::move(**from_env);
    settings.credentials.source =
        "the environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";
    return settings;
  }
  if (Env(getenv, "AWS_WEB_IDENTITY_TOKEN_FILE") && Env(getenv, "AWS_ROLE_ARN")) {
    return Error(
        "AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN ask for web-identity credentials (STS), "
        "which sparkenv does not support; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and "
        "AWS_SESSION_TOKEN), e.g. from `aws configure export-credentials --format env`");
  }
  // Sources botocore tries before the shared files and sparkenv cannot use.
  for (const char* key : {"role_arn", "web_identity_token_file", "sso_start_url", "sso_session"}) {
    if (profile.Get(key)) {
      return Error(profile.Where(key) + " sets " + key +
                   ", a credential source that needs AWS STS or SSO, which sparkenv does not "
                   "support; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and "
                   "AWS_SESSION_TOKEN), e.g. from `aws configure export-credentials --format env`");
    }
  }
  auto from_file = [&](const std::map<std::string, std::string>* section,
                       const std::string& path) -> Result<std::optional<AwsCredentials>> {
    if (!section) return std::optional<AwsCredentials>();
    auto get = [&](const char* key) -> std::optional<std::string> {
      auto it = section->find(key);
      if (it == section->end() || it->second.empty()) return std::nullopt;
      return it->second;
    };
    std::optional<std::string> token = get("aws_session_token");
    if (!token) token = get("aws_security_token");
    return Pair(get("aws_access_key_id"), get("aws_secret_access_key"), token, "aws_access_key_id",
                "aws_secret_access_key", "profile " + Quote(profile.name) + " in " + Quote(path));
  };
  auto shared = from_file(profile.credentials, profile.credentials_path);
  if (!shared.ok()) return shared.error();
  if (shared->has_value()) {
    settings.credentials = std::move(**shared);
    return settings;
  }
  if (profile.config && profile.config->count("credential_process")) {
    return Error(profile.Where("credential_process") +
                 " sets credential_process, which sparkenv does not run; set "
                 "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), e.g. from "
                 "`aws configure export-credentials --format env`");
  }
  auto config = from_file(profile.config, profile.config_path);
  if (!config.ok()) return config.error();
  if (config->has_value()) {
    settings.credentials = std::move(**config);
    return settings;
  }
  return Error("no AWS credentials for " + location.ToString() +
               ": looked in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), " +
               "profile " + Quote(profile.name) + " in " + Quote(profile.credentials_path) +
               " and in " + Quote(profile.config_path) +
               "; instance metadata, container, SSO and assume-role credentials are not "
               "supported");
}

}  // namespace sparkenv::store
