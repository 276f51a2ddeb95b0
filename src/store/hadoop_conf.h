// Hadoop's client configuration files (core-site.xml, hdfs-site.xml), read
// the way org.apache.hadoop.conf.Configuration reads them, for the keys the
// HDFS store needs: fs.defaultFS, dfs.nameservices, dfs.ha.namenodes.*,
// dfs.namenode.{rpc,http,https}-address[.<ns>[.<nn>]], dfs.http.policy.
//
// Supported: <property> with <name>/<value>/<final> children or name=/value=
// attributes, later files overriding earlier ones except for final
// properties, XInclude (<xi:include href="relative-or-absolute.xml"/>), and
// ${var} expansion from other properties, ${env.NAME} from the environment
// and ${user.name}. Not supported: Hadoop's deprecated-key table (only
// fs.default.name is mapped, by the caller), JVM system properties.
//
// Thread-compatible value type.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sparkenv::store {

class HadoopConf {
 public:
  using Getenv = std::function<std::optional<std::string>(const std::string&)>;
  // `getenv` serves ${env.NAME}; `user_name` serves ${user.name}.
  explicit HadoopConf(Getenv getenv = nullptr, std::string user_name = "");

  // Loads <dir>/core-site.xml then <dir>/hdfs-site.xml. A missing file is
  // skipped; an unreadable or malformed one is an error (kInvalidInput)
  // naming the file, the line and what is wrong.
  Status LoadDir(const std::string& dir);
  // Adds the properties of one file / of XML text (`source` names it in
  // errors; relative XIncludes are resolved against `base_dir`).
  Status AddFile(const std::string& path);
  Status AddXml(std::string_view xml, const std::string& source, const std::string& base_dir);
  void Set(const std::string& key, const std::string& value);

  // The value with ${...} expanded, whitespace trimmed; nullopt when unset.
  std::optional<std::string> Get(std::string_view key) const;
  // A comma-separated value, each item trimmed, empty items dropped.
  std::vector<std::string> GetList(std::string_view key) const;
  // The files read, in order (for messages).
  const std::vector<std::string>& files() const { return files_; }

 private:
  std::string Expand(const std::string& value, int depth) const;

  Getenv getenv_;
  std::string user_name_;
  std::map<std::string, std::string, std::less<>> values_;
  std::map<std::string, bool, std::less<>> final_;
  std::vector<std::string> files_;
  int include_depth_ = 0;
};

}  // namespace sparkenv::store
