#include "spark/activation.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "base/strings.h"
#include "store/hadoop_conf.h"
#include "store/hdfs_url.h"
#include "store/layout.h"
#include "store/open.h"

namespace sparkenv::spark {

namespace {

std::optional<std::string> Env(const store::OpenOptions& open, const std::string& name) {
  if (open.getenv) return open.getenv(name);
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

std::string LoginName() {
  struct passwd* pw = getpwuid(geteuid());
  return pw != nullptr && pw->pw_name != nullptr ? pw->pw_name : "";
}

bool IsS3Store(const std::string& store_url) {
  return StartsWith(store_url, "s3:") || StartsWith(store_url, "s3a:");
}

// Writes the launcher and puts it where the worker hosting the driver can
// read it (see PrepareActivation).
Result<PublishedLauncher> PublishLauncher(const store::ResolvedEnv& env,
                                          const ActivationRequest& request,
                                          const NodeCache& node_cache) {
  if (request.app_file.empty()) {
    return Error("standalone cluster mode needs the application file", ErrorKind::kInternal);
  }
  auto launcher =
      WriteLauncher(env.manifest_json, request.cache_root, node_cache, request.app_file);
  if (!launcher.ok()) return launcher.error();
  PublishedLauncher out;
  if (env.ref.kind == store::EnvRef::Kind::kLocalDir) {
    out.url = "file://" + launcher->jar;
  } else {
    auto backend = store::OpenBackend(env.ref.store_url, request.open);
    if (!backend.ok()) return backend.error();
    const std::string key = store::LaunchKey(launcher->sha256);
    auto found = (*backend)->Stat(key);
    if (!found.ok()) return found.error();
    if (!found->has_value() || (*found)->size != launcher->size) {
      store::WriteOptions options;
      options.world_readable = true;
      options.sha256 = launcher->sha256;
      Status s = (*backend)->Upload(launcher->jar, key, options);
      if (!s.ok()) return s.error();
      out.uploaded = true;
    }
    if (IsS3Store(env.ref.store_url)) {
      // The worker fetching the jar has no S3 settings of the application's.
      auto url = (*backend)->ReadableUrl(key, kLauncherUrlSeconds);
      if (!url.ok()) return url.error();
      out.url = *url;
    } else {
      out.url = (*backend)->HadoopUrl(key);
    }
  }
  // The worker saves the jar under the last segment of its URL's path.
  const std::string path = out.url.substr(0, out.url.find('?'));
  out.file_name = path.substr(path.rfind('/') + 1);
  out.launcher = std::move(launcher).value();
  return out;
}

}  // namespace

NodeCache YarnLayerFiles(const store::ResolvedEnv& env, const std::string& dir) {
  NodeCache out;
  out.dir = dir;
  for (const env::Layer& layer : env.manifest.layers) {
    out.layers.push_back(
        {layer.sha256, layer.size, "file:" + LayerAlias(layer.sha256) + ".tar.gz"});
  }
  return out;
}

Result<NodeCache> NodeCacheFor(const store::ResolvedEnv& env, const std::string& dir,
                               const store::OpenOptions& open, NodeCachePurpose purpose) {
  NodeCache out;
  out.dir = dir;
  if ((purpose == NodeCachePurpose::kNodeCache || !dir.empty()) &&
      (dir.empty() || dir.front() != '/')) {
    return Error("--node-cache " + Quote(dir) +
                 ": expected an absolute folder, the same path on every node");
  }
  const std::string& store_url = env.ref.store_url;
  const bool launcher = purpose == NodeCachePurpose::kLauncher;
  const bool hdfs = StartsWith(store_url, "hdfs:") || StartsWith(store_url, "webhdfs:") ||
                    StartsWith(store_url, "swebhdfs:") || StartsWith(store_url, "httpfs:");
  std::string base;  // "<endpoint>/webhdfs/v1<root>/blobs/"
  std::string user;
  if (hdfs) {
    store::HadoopConf conf(open.getenv);
    if (auto conf_dir = Env(open, "HADOOP_CONF_DIR"); conf_dir && !conf_dir->empty()) {
      Status s = conf.LoadDir(*conf_dir);
      if (!s.ok()) return s.error();
    }
    auto url = store::ResolveHdfsUrl(store_url, conf);
    if (!url.ok()) return url.error();
    if (url->endpoints.empty()) {
      return Error("no WebHDFS address for " + Quote(store_url), ErrorKind::kInvalidInput);
    }
    base = url->endpoints[0] + "/webhdfs/v1" +
           store::EncodeHdfsPath(url->root == "/" ? std::string() : url->root) + "/blobs/";
    user = Env(open, "HADOOP_USER_NAME").value_or(LoginName());
  }
  std::unique_ptr<store::Backend> s3;  // the launcher's presigned URLs
  if (launcher && IsS3Store(store_url)) {
    auto backend = store::OpenBackend(store_url, open);
    if (!backend.ok()) return backend.error();
    s3 = std::move(backend).value();
  }
  for (size_t i = 0; i < env.manifest.layers.size(); ++i) {
    const env::Layer& layer = env.manifest.layers[i];
    std::string url = env.layer_urls[i];
    if (hdfs) {
      url = base + layer.sha256 + ".tar.gz?op=OPEN" + (user.empty() ? "" : "&user.name=" + user);
    } else if (s3) {
      auto presigned = s3->ReadableUrl(store::BlobKey(layer.sha256), kLauncherUrlSeconds);
      if (!presigned.ok()) return presigned.error();
      url = *presigned;
    } else if (!StartsWith(url, "file://") && launcher) {
      return Error(
          "deploy mode cluster on a standalone cluster: the driver fetches the environment's "
          "layers itself, from a shared folder (file://), HDFS (WebHDFS) or S3 (presigned "
          "URLs), not from " +
          Quote(store_url) + "; use one of those stores, or --deploy-mode client");
    } else if (!StartsWith(url, "file://")) {
      return Error(
          "--node-cache reads layers from a shared folder (file://) or HDFS (WebHDFS), "
          "not from " +
          Quote(store_url) + "; without --node-cache Spark fetches them itself");
    }
    out.layers.push_back({layer.sha256, layer.size, url});
  }
  return out;
}

Result<PreparedActivation> PrepareActivation(const ActivationRequest& request) {
  Status ok = CheckDeployMode(request.master, request.deploy_mode);
  if (!ok.ok()) return ok.error();
  auto ref = store::ParseEnvRef(request.env_ref);
  if (!ref.ok()) return ref.error();
  auto env = store::ResolveEnv(*ref, request.open);
  if (!env.ok()) return env.error();
  PreparedActivation out;
  out.env = std::move(env).value();
  std::optional<NodeCache> node_cache;
  if (!request.node_cache.empty() && request.node_cache.front() != '/') {
    return Error("--node-cache " + Quote(request.node_cache) +
                 ": expected an absolute folder, the same path on every node");
  }
  const bool needs_launcher = NeedsLauncher(request.master, request.deploy_mode);
  if (needs_launcher) {
    auto nc = NodeCacheFor(out.env, request.node_cache, request.open, NodeCachePurpose::kLauncher);
    if (!nc.ok()) return nc.error();
    node_cache = std::move(nc).value();
  } else if (request.master.manager == ClusterManager::kYarn) {
    // The NodeManager puts each layer's file in the container's folder; the
    // bootstrap unpacks it once per node (beside the NodeManager's caches, or
    // into --node-cache).
    node_cache = YarnLayerFiles(out.env, request.node_cache);
  } else if (!request.node_cache.empty()) {
    auto nc = NodeCacheFor(out.env, request.node_cache, request.open);
    if (!nc.ok()) return nc.error();
    node_cache = std::move(nc).value();
  }
  auto boot =
      WriteBoot(out.env.manifest_json, request.cache_root, node_cache ? &*node_cache : nullptr);
  if (!boot.ok()) return boot.error();
  out.boot = std::move(boot).value();

  ActivationPlan plan;
  plan.master = request.master;
  plan.deploy_mode = request.deploy_mode;
  for (size_t i = 0; i < out.env.manifest.layers.size(); ++i) {
    plan.layers.push_back({out.env.manifest.layers[i].sha256, out.env.layer_urls[i]});
  }
  plan.boot_name = out.boot.name;
  plan.boot_url = "file://" + out.boot.archive;
  if (needs_launcher) {
    auto published = PublishLauncher(out.env, request, *node_cache);
    if (!published.ok()) return published.error();
    out.launcher = std::move(published).value();
    plan.boot_name = out.launcher->launcher.name;
    plan.boot_url = out.launcher->url;
  }
  plan.python = request.python;
  plan.user_conf = request.user_conf;
  plan.node_cache = !request.node_cache.empty() || needs_launcher;
  if (request.deploy_mode == DeployMode::kClient) {
    auto local = MaterializeLayers(out.env, request.cache_root, request.open);
    if (!local.ok()) return local.error();
    out.local = std::move(local).value();
    plan.driver_boot_dir = out.boot.dir;
    plan.driver_site_dirs = out.local.site_dirs;
  }
  auto settings = MakeSettings(plan);
  if (!settings.ok()) return settings.error();
  out.settings = std::move(settings).value();
  return out;
}

}  // namespace sparkenv::spark
