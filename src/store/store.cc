#include "store/store.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace sparkenv::store {

namespace fs = std::filesystem;

namespace {

bool IsHexLower(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Result<std::string> ReadLocal(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error("cannot read '" + path.string() + "'", ErrorKind::kNotFound);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (i == 0 && !alnum) return false;
    if (!alnum && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

std::string EnvRef::ToString() const {
  switch (kind) {
    case Kind::kTag:
      return store_url + "/" + name + ":" + tag;
    case Kind::kId:
      return store_url + "@" + env_id;
    case Kind::kLocalDir:
      return local_dir;
  }
  return local_dir;
}

Result<EnvRef> ParseEnvRef(std::string_view text) {
  std::string s(text);
  EnvRef ref;
  if (s.empty())
    return Error(
        "invalid environment reference '': expected STORE/NAME[:TAG], STORE@ENVID or a folder "
        "written by 'sparkenv build'");
  if (s.find("://") == std::string::npos) {
    std::error_code ec;
    if (fs::is_directory(s, ec) && fs::is_regular_file(fs::path(s) / "manifest.json", ec)) {
      ref.kind = EnvRef::Kind::kLocalDir;
      ref.local_dir = fs::absolute(s).lexically_normal().string();
      return ref;
    }
  }
  auto bad = [&](const std::string& rule) {
    return Error("invalid environment reference '" + s + "': " + rule);
  };
  size_t at = s.rfind('@');
  size_t slash = s.rfind('/');
  if (at != std::string::npos && (slash == std::string::npos || at > slash)) {
    ref.kind = EnvRef::Kind::kId;
    ref.store_url = s.substr(0, at);
    ref.env_id = s.substr(at + 1);
    if (ref.store_url.empty()) return bad("the store before '@' is missing");
    if (ref.env_id.size() < 8 || ref.env_id.size() > 64 || !IsHexLower(ref.env_id)) {
      return bad("an environment id is 8 to 64 lowercase hex digits");
    }
    return ref;
  }
  if (slash == std::string::npos || slash + 1 == s.size()) {
    return bad("expected STORE/NAME[:TAG], STORE@ENVID or a folder written by 'sparkenv build'");
  }
  ref.kind = EnvRef::Kind::kTag;
  ref.store_url = s.substr(0, slash);
  std::string last = s.substr(slash + 1);
  size_t colon = last.find(':');
  ref.name = last.substr(0, colon);
  ref.tag = colon == std::string::npos ? "latest" : last.substr(colon + 1);
  if (ref.store_url.empty() || ref.store_url.back() == '/' ||
      (ref.store_url.size() >= 3 && ref.store_url.ends_with(":/"))) {
    return bad("the store before '/" + last + "' is missing");
  }
  if (!ValidName(ref.name)) {
    return bad("the name '" + ref.name +
               "' must be 1-128 of A-Z a-z 0-9 . _ - starting with a letter or digit");
  }
  if (!ValidName(ref.tag)) {
    return bad("the tag '" + ref.tag +
               "' must be 1-128 of A-Z a-z 0-9 . _ - starting with a letter or digit");
  }
  return ref;
}

Result<ResolvedEnv> ResolveEnv(const EnvRef& ref, const OpenOptions& /*options*/) {
  if (ref.kind != EnvRef::Kind::kLocalDir) {
    return Error("'" + ref.ToString() + "': reading environments from stores is not supported yet",
                 ErrorKind::kInvalidInput);
  }
  fs::path dir(ref.local_dir);
  auto text = ReadLocal(dir / "manifest.json");
  if (!text.ok()) return text.error();
  auto manifest = env::FromJson(*text, (dir / "manifest.json").string());
  if (!manifest.ok()) return manifest.error();
  ResolvedEnv out;
  out.ref = ref;
  out.manifest = std::move(manifest).value();
  out.manifest_json = std::move(text).value();
  for (const env::Layer& layer : out.manifest.layers) {
    out.layer_urls.push_back("file://" + (dir / env::Manifest::LayerPath(layer)).string());
  }
  return out;
}

}  // namespace sparkenv::store
