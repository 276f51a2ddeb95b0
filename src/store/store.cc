#include "store/store.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/strings.h"
#include "http/url.h"
#include "store/open.h"

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
    return Error("invalid environment reference '" + http::RedactUrl(s) + "': " + rule);
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

Status RequireStore(Backend& backend) {
  auto marker = backend.Read(kMarkerKey);
  if (!marker.ok()) {
    if (marker.error().kind() == ErrorKind::kNotFound) {
      return Error(
          "no sparkenv store at " + Quote(backend.DisplayUrl()) + " (it has no " + kMarkerKey + ")",
          ErrorKind::kNotFound);
    }
    return marker.error();
  }
  return CheckMarker(*marker, backend.DisplayUrl());
}

Result<env::Manifest> ReadManifest(Backend& backend, std::string_view env_id, std::string* bytes) {
  if (!IsSha256(env_id)) {
    return Error("invalid environment id " + Quote(env_id) + " (a bug in sparkenv)",
                 ErrorKind::kInternal);
  }
  const std::string key = EnvKey(env_id);
  const std::string where = backend.DisplayUrl() + "/" + key;
  auto text = backend.Read(key);
  if (!text.ok()) return text.error();
  auto manifest = env::FromJson(*text, where);
  if (!manifest.ok()) return manifest.error();
  const env::Manifest& m = *manifest;
  if (m.env_id != env_id) {
    return Error(where + ": env_id " + m.env_id + " is not the id it is stored under",
                 ErrorKind::kInvalidInput);
  }
  // FromJson checks hashes and names; the free text reaches terminals.
  auto printable = [&](std::string_view value, const std::string& field) -> Status {
    for (char c : value) {
      auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u >= 0x7f) {
        return Error(
            where + ": " + field + " " + Quote(value) + " has a character outside printable ASCII",
            ErrorKind::kInvalidInput);
      }
    }
    return Status();
  };
  Status s = printable(m.created_by, "created_by");
  for (const auto& [key_name, value] : m.target_markers) {
    if (s.ok()) s = printable(key_name, "target.markers key");
    if (s.ok()) s = printable(value, "target.markers." + Printable(key_name));
  }
  for (size_t i = 0; i < m.layers.size() && s.ok(); ++i) {
    const std::string at = "layers[" + std::to_string(i) + "].";
    s = printable(m.layers[i].version, at + "version");
    if (s.ok()) s = printable(m.layers[i].wheel, at + "wheel");
  }
  if (!s.ok()) return s.error();
  if (bytes != nullptr) *bytes = std::move(text).value();
  return manifest;
}

Result<std::vector<EnvEntry>> ListEnvs(Backend& backend, size_t* ignored) {
  auto objects = backend.List(kEnvsPrefix);
  if (!objects.ok()) return objects.error();
  std::vector<EnvEntry> out;
  size_t skipped = 0;
  for (const ObjectInfo& o : *objects) {
    auto id = EnvFromKey(o.key);
    if (!id) {
      ++skipped;
      continue;
    }
    out.push_back(EnvEntry{*id, o.size, o.mtime_ms});
  }
  std::sort(out.begin(), out.end(),
            [](const EnvEntry& a, const EnvEntry& b) { return a.env_id < b.env_id; });
  if (ignored != nullptr) *ignored = skipped;
  return out;
}

Result<std::vector<TagEntry>> ListTags(Backend& backend, std::string_view name, size_t* ignored) {
  const std::string prefix =
      name.empty() ? std::string(kTagsPrefix) : std::string(kTagsPrefix) + std::string(name) + "/";
  auto objects = backend.List(prefix);
  if (!objects.ok()) return objects.error();
  std::vector<TagEntry> out;
  size_t skipped = 0;
  for (const ObjectInfo& o : *objects) {
    auto tag = TagFromKey(o.key);
    if (!tag || (!name.empty() && tag->name != name)) {
      ++skipped;
      continue;
    }
    out.push_back(TagEntry{*tag, o.mtime_ms});
  }
  std::sort(out.begin(), out.end(),
            [](const TagEntry& a, const TagEntry& b) { return a.tag < b.tag; });
  if (ignored != nullptr) *ignored = skipped;
  return out;
}

Result<std::optional<TagRecord>> ReadTag(Backend& backend, const TagName& tag) {
  if (!ValidName(tag.name) || !ValidName(tag.tag)) {
    return Error("invalid tag " + Quote(tag.ToString()) + " (a bug in sparkenv)",
                 ErrorKind::kInternal);
  }
  const std::string key = TagKey(tag.name, tag.tag);
  auto text = backend.Read(key);
  if (!text.ok()) {
    if (text.error().kind() == ErrorKind::kNotFound) return std::optional<TagRecord>();
    return text.error();
  }
  auto record = TagFromJson(*text, backend.DisplayUrl() + "/" + key, tag);
  if (!record.ok()) return record.error();
  return std::optional<TagRecord>(std::move(record).value());
}

Result<std::string> FindEnvId(Backend& backend, std::string_view prefix) {
  const std::string url = Quote(backend.DisplayUrl());
  const std::string wanted(prefix);
  if (IsSha256(prefix)) {
    auto info = backend.Stat(EnvKey(prefix));
    if (!info.ok()) return info.error();
    if (!info->has_value()) {
      return Error("no environment " + wanted + " in store " + url, ErrorKind::kNotFound);
    }
    return wanted;
  }
  auto envs = ListEnvs(backend);
  if (!envs.ok()) return envs.error();
  std::vector<std::string> matches;
  for (const EnvEntry& e : *envs) {
    if (StartsWith(e.env_id, prefix)) matches.push_back(e.env_id.substr(0, 16));
  }
  if (matches.empty()) {
    return Error("no environment " + wanted + " in store " + url, ErrorKind::kNotFound);
  }
  if (matches.size() > 1) {
    return Error("environment id " + wanted + " is ambiguous in store " + url + ": it starts " +
                 Join(matches, ", ") + "; give more digits");
  }
  for (const EnvEntry& e : *envs) {
    if (StartsWith(e.env_id, prefix)) return e.env_id;
  }
  return Error("no environment " + wanted + " in store " + url, ErrorKind::kNotFound);
}

Result<ResolvedEnv> ResolveEnvIn(Backend& backend, const EnvRef& ref) {
  if (ref.kind == EnvRef::Kind::kLocalDir) {
    return Error("'" + ref.ToString() + "' is a local folder, not an environment in a store",
                 ErrorKind::kInternal);
  }
  Status s = RequireStore(backend);
  if (!s.ok()) return s.error();
  const std::string url = Quote(backend.DisplayUrl());
  std::string env_id;
  if (ref.kind == EnvRef::Kind::kTag) {
    const TagName name{ref.name, ref.tag};
    auto tag = ReadTag(backend, name);
    if (!tag.ok()) return tag.error();
    if (!tag->has_value()) {
      auto others = ListTags(backend, ref.name);
      std::string hint;
      if (others.ok() && !others->empty()) {
        std::vector<std::string> tags;
        for (const TagEntry& t : *others) tags.push_back(t.tag.tag);
        hint = "; " + Quote(ref.name) + " has the tags " + Join(tags, ", ");
      } else if (others.ok()) {
        hint = "; it has no environment named " + Quote(ref.name);
      }
      return Error("no tag " + Quote(name.ToString()) + " in store " + url + hint,
                   ErrorKind::kNotFound);
    }
    env_id = (*tag)->env_id;
  } else {
    auto id = FindEnvId(backend, ref.env_id);
    if (!id.ok()) return id.error();
    env_id = std::move(id).value();
  }
  ResolvedEnv out;
  out.ref = ref;
  auto manifest = ReadManifest(backend, env_id, &out.manifest_json);
  if (!manifest.ok()) {
    if (manifest.error().kind() != ErrorKind::kNotFound) return manifest.error();
    if (ref.kind == EnvRef::Kind::kTag) {
      return Error("tag " + Quote(ref.name + ":" + ref.tag) + " in store " + url +
                       " names environment " + env_id + ", which is not in the store",
                   ErrorKind::kNotFound);
    }
    return Error("no environment " + ref.env_id + " in store " + url, ErrorKind::kNotFound);
  }
  out.manifest = std::move(manifest).value();
  for (const env::Layer& layer : out.manifest.layers) {
    out.layer_urls.push_back(backend.HadoopUrl(BlobKey(layer.sha256)));
  }
  return out;
}

Result<ResolvedEnv> ResolveEnv(const EnvRef& ref, const OpenOptions& options) {
  if (ref.kind != EnvRef::Kind::kLocalDir) {
    auto backend = OpenBackend(ref.store_url, options);
    if (!backend.ok()) return backend.error();
    return ResolveEnvIn(**backend, ref);
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
