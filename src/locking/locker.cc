#include "locking/locker.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>

#include "base/strings.h"
#include "http/curl_client.h"
#include "http/url.h"
#include "index/cache.h"
#include "index/metadata_source.h"
#include "index/sha256.h"
#include "inputs/pyproject.h"
#include "inputs/requirements_file.h"
#include "resolve/index_provider.h"
#include "spec/name.h"

namespace sparkenv::locking {
namespace {

// A requirements file that does not exist is bad input (exit code 2), like
// any other invalid argument.
Error AsInputError(const Error& e) {
  return e.kind() == ErrorKind::kNotFound ? Error(e.message(), ErrorKind::kInvalidInput) : e;
}

bool IsUrl(std::string_view s) { return s.find("://") != std::string_view::npos; }

void AppendOnce(std::vector<std::string>& out, const std::string& value) {
  if (std::find(out.begin(), out.end(), value) == out.end()) out.push_back(value);
}

Status AddLine(const inputs::RequirementLine& line, LockInputs& out, bool constraint) {
  const spec::Requirement& r = line.requirement;
  if (r.url() || !line.local_path.empty()) {
    return Error(line.origin.ToString() + ": direct reference " + Quote(r.ToString()) +
                     " is not supported by 'sparkenv lock'; put the file in a --find-links "
                     "folder and require it by name",
                 ErrorKind::kInvalidInput);
  }
  if (constraint) {
    if (!r.extras().empty()) {
      return Error(line.origin.ToString() + ": constraint " + Quote(r.ToString()) +
                       " names extras; a constraint limits versions only (as in pip)",
                   ErrorKind::kInvalidInput);
    }
    out.constraints.push_back(r);
    return Status();
  }
  out.requirements.push_back(r);
  if (!line.hashes.empty()) {
    out.hashes.emplace_back(spec::NormalizeName(r.name()), line.hashes);
  }
  return Status();
}

Result<resolve::Strategy> ParseResolution(const std::string& text) {
  if (text == "highest") return resolve::Strategy::kHighest;
  if (text == "lowest") return resolve::Strategy::kLowest;
  if (text == "lowest-direct") return resolve::Strategy::kLowestDirect;
  return Error(
      "invalid --resolution " + Quote(text) + ": expected highest, lowest or lowest-direct",
      ErrorKind::kInvalidInput);
}

}  // namespace

Result<LockInputs> GatherInputs(const LockArgs& args, const inputs::FileSystem& fs,
                                const inputs::Environment& env) {
  LockInputs out;
  auto strategy = ParseResolution(args.resolution);
  if (!strategy.ok()) return strategy.error();
  out.options.strategy = *strategy;
  out.resolution = args.resolution;
  if (args.prerelease == "allow") {
    out.options.prereleases = resolve::Prereleases::kAllow;
  } else if (args.prerelease != "if-necessary-or-explicit") {
    return Error("invalid --prerelease " + Quote(args.prerelease) +
                     ": expected if-necessary-or-explicit or allow",
                 ErrorKind::kInvalidInput);
  }

  bool pyproject_seen = false;
  inputs::RequirementsFileReader reader(fs, env);
  for (const std::string& path : args.requirement_files) {
    if (EndsWith(path, ".toml")) {
      auto project = inputs::ReadPyProject(path, fs);
      if (!project.ok()) return AsInputError(project.error());
      auto lines = inputs::SelectRequirements(*project, args.extras, {}, path);
      if (!lines.ok()) return lines.error();
      for (const auto& line : *lines) {
        Status s = AddLine(line, out, false);
        if (!s.ok()) return s.error();
      }
      if (project->requires_python) {
        if (out.requires_python) {
          return Error("two pyproject.toml files given (" + path +
                           " and an earlier one); lock one project at a time",
                       ErrorKind::kInvalidInput);
        }
        out.requires_python = project->requires_python;
      }
      pyproject_seen = true;
      continue;
    }
    Status s = reader.Read(path);
    if (!s.ok()) return AsInputError(s.error());
  }
  for (const std::string& path : args.constraint_files) {
    Status s = reader.Read(path, /*constraint=*/true);
    if (!s.ok()) return AsInputError(s.error());
  }
  if (!args.extras.empty() && !pyproject_seen) {
    return Error("--extra " + Quote(args.extras.front()) +
                     " selects optional dependencies of a pyproject.toml, but none was given "
                     "(use -r pyproject.toml)",
                 ErrorKind::kInvalidInput);
  }
  for (const std::string& extra : args.extras) AppendOnce(out.extras, spec::NormalizeExtra(extra));

  inputs::RequirementsInput files = reader.Take();
  for (const auto& line : files.requirements) {
    Status s = AddLine(line, out, false);
    if (!s.ok()) return s.error();
  }
  for (const auto& line : files.constraints) {
    Status s = AddLine(line, out, true);
    if (!s.ok()) return s.error();
  }
  for (const std::string& text : args.requirements) {
    auto line = inputs::ParseRequirementText(text, inputs::Origin{"command line", 0}, fs);
    if (!line.ok()) return line.error();
    Status s = AddLine(*line, out, false);
    if (!s.ok()) return s.error();
  }
  if (out.requirements.empty()) {
    return Error("nothing to lock: give requirements, -r requirements.txt or -r pyproject.toml",
                 ErrorKind::kInvalidInput);
  }

  // Index options (see the header for the precedence).
  std::string index_url = index::kDefaultIndexUrl;
  if (auto v = env.Get("SPARKENV_INDEX_URL"); v && !v->empty()) index_url = *v;
  if (files.index.index_url) index_url = *files.index.index_url;
  if (args.index_url) index_url = *args.index_url;
  out.index.index_urls.clear();
  if (!args.no_index && !files.index.no_index) {
    out.index.index_urls.push_back(index_url);
    for (const auto& u : args.extra_index_urls) AppendOnce(out.index.index_urls, u);
    for (const auto& u : files.index.extra_index_urls) AppendOnce(out.index.index_urls, u);
  }
  for (const auto& f : args.find_links) {
    AppendOnce(out.index.find_links, IsUrl(f) ? f : fs.MakeAbsolute(f));
  }
  for (const auto& f : files.index.find_links) {
    AppendOnce(out.index.find_links, IsUrl(f) ? f : fs.MakeAbsolute(f));
  }
  if (out.index.index_urls.empty() && out.index.find_links.empty()) {
    return Error("--no-index leaves no source of packages: add --find-links",
                 ErrorKind::kInvalidInput);
  }
  for (const auto& u : out.index.index_urls) {
    if (!StartsWith(u, "http://") && !StartsWith(u, "https://") && !StartsWith(u, "file://")) {
      return Error("invalid index URL " + Quote(u) + ": expected http://, https:// or file://",
                   ErrorKind::kInvalidInput);
    }
  }

  if (files.index.pre) out.options.prereleases = resolve::Prereleases::kAllow;
  for (const auto& name : files.index.only_binary) {
    if (name == ":all:") {
      out.options.no_build_all = true;
    } else if (name != ":none:") {
      out.options.no_build.push_back(name);
    }
  }
  for (const auto& name : files.index.no_binary) {
    if (name == ":all:") {
      return Error("--no-binary :all: is not supported: sparkenv locks wheels for the target",
                   ErrorKind::kInvalidInput);
    }
    if (name != ":none:") out.options.no_binary.push_back(name);
  }
  return out;
}

std::string EnvironmentMarker(const spec::Target& target) {
  std::string out;
  for (const char* key :
       {"implementation_name", "python_version", "sys_platform", "platform_machine"}) {
    auto it = target.markers().find(key);
    if (it == target.markers().end() || it->second.empty()) continue;
    if (!out.empty()) out += " and ";
    out += std::string(key) + " == \"" + it->second + "\"";
  }
  return out;
}

namespace {

// The HTTP stack of one command: libcurl, the HTTP cache, the index client
// and the metadata source.
struct Session {
  std::optional<index::HttpCache> cache;
  std::shared_ptr<http::Client> client;
  std::unique_ptr<index::IndexClient> index;
  std::unique_ptr<index::MetadataSource> metadata;
};

Result<std::unique_ptr<Session>> OpenSession(const index::IndexOptions& options,
                                             const NetworkOptions& network,
                                             std::shared_ptr<http::Client> client) {
  auto session = std::make_unique<Session>();
  if (client == nullptr) {
    std::string root = network.cache_dir;
    if (root.empty()) {
      auto def = index::DefaultCacheRoot();
      if (!def.ok()) return def.error();
      root = *def;
    }
    session->cache.emplace(root);
    std::shared_ptr<http::Client> inner;
    if (!network.offline) {
      auto curl = http::CurlClient::Create();
      if (!curl.ok()) return curl.error();
      inner = std::move(curl).value();
    }
    index::CacheMode mode = network.offline   ? index::CacheMode::kOffline
                            : network.refresh ? index::CacheMode::kRefresh
                                              : index::CacheMode::kDefault;
    client = std::make_shared<index::CachingClient>(std::move(inner), *session->cache, mode);
  }
  session->client = std::move(client);
  session->index = std::make_unique<index::IndexClient>(*session->client, options);
  index::MetadataSourceOptions mo;
  mo.cache = session->cache ? &*session->cache : nullptr;
  mo.offline = network.offline;
  session->metadata = std::make_unique<index::MetadataSource>(*session->client, mo);
  return session;
}

std::string IndexBase(const std::string& page_url, const std::string& name,
                      const std::vector<std::string>& index_urls) {
  for (const std::string& u : index_urls) {
    std::string base = u;
    if (base.empty() || base.back() != '/') base += '/';
    if (StartsWith(page_url, base)) return base;
  }
  // Redirected: strip "<name>/" from the page URL.
  std::string suffix = name + "/";
  if (EndsWith(page_url, suffix)) return page_url.substr(0, page_url.size() - suffix.size());
  return page_url;
}

Result<lock::FileEntry> MakeFileEntry(const resolve::ResolvedPackage& pkg,
                                      resolve::IndexProvider& provider,
                                      index::IndexClient& client) {
  const index::DistFile* file = provider.FindFile(pkg.name, pkg.file.url);
  if (file == nullptr) {
    return Error("internal: no index entry for " + Quote(pkg.file.filename), ErrorKind::kInternal);
  }
  lock::FileEntry e;
  e.name = file->filename();
  e.url = file->url();
  auto sha = client.FileSha256(*file);
  if (!sha.ok()) {
    return Error(sha.error().message() + " (" + pkg.name + " " + pkg.version.ToString() +
                     "); a lock records every file's sha256: use an index that publishes hashes",
                 ErrorKind::kNotFound);
  }
  e.hashes["sha256"] = *sha;
  if (file->size()) {
    e.size = static_cast<int64_t>(*file->size());
  } else if (http::UrlParts parts = http::UrlParts::Parse(file->url()); parts.scheme == "file") {
    std::error_code ec;
    auto size = std::filesystem::file_size(http::PercentDecode(parts.path), ec);
    if (!ec) e.size = static_cast<int64_t>(size);
  }
  if (file->upload_time()) {
    auto t = lock::Timestamp::Parse(*file->upload_time());
    if (t.ok()) e.upload_time = *t;
  }
  return e;
}

Status CheckHashes(const LockInputs& inputs, const resolve::Resolution& resolution,
                   const lock::Lock& out) {
  for (const auto& [name, allowed] : inputs.hashes) {
    for (const lock::Package& p : out.packages) {
      if (p.name != name) continue;
      const lock::FileEntry& f = p.wheels.empty() ? *p.sdist : p.wheels.front();
      std::string got = "sha256:" + f.hashes.at("sha256");
      if (std::find(allowed.begin(), allowed.end(), got) == allowed.end()) {
        return Error("hash mismatch for " + Quote(name) + ": the chosen file " +
                         Quote(f.FileName()) + " has " + got + ", not one of the --hash values " +
                         Join(allowed, ", "),
                     ErrorKind::kUnsatisfiable);
      }
    }
  }
  (void)resolution;
  return Status();
}

resolve::ResolveRequest MakeRequest(const LockInputs& inputs, const spec::Target& target) {
  resolve::ResolveRequest request;
  request.requirements = inputs.requirements;
  request.constraints = inputs.constraints;
  request.extras = inputs.extras;
  request.requires_python = inputs.requires_python;
  request.target = target;
  request.options = inputs.options;
  return request;
}

std::string TagsSha256(const spec::Target& target) {
  std::string joined;
  for (const spec::Tag& t : target.tags()) {
    if (!joined.empty()) joined += '\n';
    joined += t.ToString();
  }
  return index::Sha256Hex(joined);
}

struct Resolved {
  resolve::Resolution resolution;
  lock::Lock lock;
  LockStats stats;
};

Result<Resolved> ResolveAndBuild(const LockInputs& inputs, const spec::Target& target,
                                 const NetworkOptions& network,
                                 std::shared_ptr<http::Client> client,
                                 const std::vector<spec::Requirement>& extra_constraints) {
  auto session = OpenSession(inputs.index, network, std::move(client));
  if (!session.ok()) return session.error();
  Session& s = **session;
  resolve::IndexProvider provider(*s.index, *s.metadata, target);
  resolve::ResolveRequest request = MakeRequest(inputs, target);
  for (const auto& c : extra_constraints) request.constraints.push_back(c);
  auto resolution = resolve::Resolve(provider, request);
  if (!resolution.ok()) return resolution.error();

  Resolved out;
  out.resolution = std::move(resolution).value();
  lock::Lock& l = out.lock;
  auto env = spec::Marker::Parse(EnvironmentMarker(target));
  if (!env.ok()) return env.error();
  l.environments.push_back(*env);
  if (inputs.requires_python) {
    l.requires_python = inputs.requires_python;
  } else if (auto it = target.markers().find("python_version"); it != target.markers().end()) {
    auto rp = spec::SpecifierSet::Parse("==" + it->second + ".*");
    if (rp.ok()) l.requires_python = *rp;
  }
  std::map<std::string, std::string> versions;
  for (const auto& pkg : out.resolution.packages) versions[pkg.name] = pkg.version.ToString();
  for (const resolve::ResolvedPackage& pkg : out.resolution.packages) {
    lock::Package p;
    p.name = pkg.name;
    p.version = pkg.version;
    p.requires_python = provider.RequiresPython(pkg.name, pkg.version);
    std::set<std::string> deps;
    for (const resolve::Dependency& d : pkg.dependencies) {
      if (d.name != pkg.name) deps.insert(d.name);
    }
    for (const std::string& d : deps) p.dependencies.push_back(lock::DependencyRef{d, versions[d]});
    std::string page = provider.PageUrl(pkg.name);
    if (StartsWith(page, "http://") || StartsWith(page, "https://")) {
      p.index = IndexBase(page, pkg.name, inputs.index.index_urls);
    }
    auto entry = MakeFileEntry(pkg, provider, *s.index);
    if (!entry.ok()) return entry.error();
    if (pkg.from_sdist) {
      p.sdist = std::move(entry).value();
    } else {
      p.wheels.push_back(std::move(entry).value());
    }
    l.packages.push_back(std::move(p));
  }
  Status hashes = CheckHashes(inputs, out.resolution, l);
  if (!hashes.ok()) return hashes.error();

  lock::SparkenvTool tool;
  tool.target_markers.insert(target.markers().begin(), target.markers().end());
  tool.target_tag_count = static_cast<int64_t>(target.tags().size());
  tool.target_tags_sha256 = TagsSha256(target);
  for (const auto& r : inputs.requirements) tool.requirements.push_back(r.ToString());
  for (const auto& c : inputs.constraints) tool.constraints.push_back(c.ToString());
  for (const auto& u : inputs.index.index_urls) tool.indexes.push_back(http::RedactUrl(u));
  tool.find_links = inputs.index.find_links;
  tool.resolution = inputs.resolution;
  tool.prereleases = inputs.options.prereleases == resolve::Prereleases::kAllow;
  l.sparkenv = std::move(tool);

  auto stats = provider.stats();
  out.stats.packages = static_cast<int>(l.packages.size());
  out.stats.pages = stats.pages;
  out.stats.metadata = stats.metadata;
  out.stats.metadata_prefetched = stats.metadata_prefetched;
  return out;
}

}  // namespace

Result<LockResult> Lock(const LockInputs& inputs, const spec::Target& target,
                        const NetworkOptions& network, std::shared_ptr<http::Client> client) {
  auto resolved = ResolveAndBuild(inputs, target, network, std::move(client), {});
  if (!resolved.ok()) return resolved.error();
  auto valid = lock::ValidateLock(resolved->lock);
  if (!valid.ok()) return Error("internal: " + valid.error().message(), ErrorKind::kInternal);
  return LockResult{std::move(resolved->lock), resolved->stats};
}

Result<std::optional<std::string>> CheckLock(const lock::Lock& existing, const LockInputs& inputs,
                                             const spec::Target& target,
                                             const NetworkOptions& network,
                                             std::shared_ptr<http::Client> client) {
  using Reason = std::optional<std::string>;
  if (!existing.sparkenv) {
    return Reason("it has no [tool.sparkenv] table (it was not written by 'sparkenv lock')");
  }
  const lock::SparkenvTool& tool = *existing.sparkenv;
  // The keys a user thinks in come first in the message.
  std::vector<std::string> keys = {"python_full_version", "platform_machine", "sys_platform",
                                   "implementation_name"};
  for (const auto& [key, value] : target.markers()) AppendOnce(keys, key);
  for (const std::string& key : keys) {
    auto found = target.markers().find(key);
    if (found == target.markers().end()) continue;
    const std::string& value = found->second;
    auto it = tool.target_markers.find(key);
    std::string old = it == tool.target_markers.end() ? "(none)" : it->second;
    if (old != value) {
      return Reason("the target changed: " + key + " was " + Quote(old) + ", now " + Quote(value));
    }
  }
  if (tool.target_tags_sha256 != TagsSha256(target)) {
    return Reason("the target's platform tags changed (" + std::to_string(tool.target_tag_count) +
                  " tags locked, " + std::to_string(target.tags().size()) + " now)");
  }
  std::vector<std::string> indexes;
  for (const auto& u : inputs.index.index_urls) indexes.push_back(http::RedactUrl(u));
  if (indexes != tool.indexes) {
    return Reason("the indexes changed: locked from " +
                  (tool.indexes.empty() ? "(none)" : Join(tool.indexes, ", ")) + ", now " +
                  (indexes.empty() ? "(none)" : Join(indexes, ", ")));
  }

  std::vector<spec::Requirement> pins;
  std::map<std::string, const lock::Package*> locked;
  for (const lock::Package& p : existing.packages) {
    if (!p.version) return Reason("package " + Quote(p.name) + " has no version");
    auto pin = spec::Requirement::Parse(p.name + "==" + p.version->ToString());
    if (!pin.ok()) return pin.error();
    pins.push_back(*pin);
    locked[p.name] = &p;
  }
  auto resolved = ResolveAndBuild(inputs, target, network, std::move(client), pins);
  if (!resolved.ok()) {
    if (resolved.error().kind() == ErrorKind::kUnsatisfiable ||
        resolved.error().kind() == ErrorKind::kNotFound) {
      std::string message = resolved.error().message();
      return Reason("the locked versions no longer satisfy the inputs:\n" + message);
    }
    return resolved.error();
  }
  std::set<std::string> needed;
  for (const lock::Package& p : resolved->lock.packages) {
    needed.insert(p.name);
    auto it = locked.find(p.name);
    if (it == locked.end()) return Reason(Quote(p.name) + " is needed but not locked");
    const lock::Package& old = *it->second;
    std::string want = p.wheels.empty() ? p.sdist->FileName() : p.wheels.front().FileName();
    std::string have = old.wheels.empty() ? (old.sdist ? old.sdist->FileName() : std::string())
                                          : old.wheels.front().FileName();
    if (want != have) {
      return Reason(Quote(p.name) + " " + p.version->ToString() + ": the lock has " + Quote(have) +
                    ", the target now takes " + Quote(want));
    }
  }
  for (const auto& [name, p] : locked) {
    if (needed.count(name) == 0) return Reason(Quote(name) + " is locked but no longer needed");
  }
  return Reason();
}

}  // namespace sparkenv::locking
