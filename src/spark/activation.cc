#include "spark/activation.h"

namespace sparkenv::spark {

Result<PreparedActivation> PrepareActivation(const ActivationRequest& request) {
  Status ok = CheckDeployMode(request.master, request.deploy_mode);
  if (!ok.ok()) return ok.error();
  auto ref = store::ParseEnvRef(request.env_ref);
  if (!ref.ok()) return ref.error();
  auto env = store::ResolveEnv(*ref, request.open);
  if (!env.ok()) return env.error();
  PreparedActivation out;
  out.env = std::move(env).value();
  auto boot = WriteBoot(out.env.manifest_json, request.cache_root);
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
  plan.python = request.python;
  plan.user_conf = request.user_conf;
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
