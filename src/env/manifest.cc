#include "env/manifest.h"

#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "index/sha256.h"
#include "spec/name.h"

namespace sparkenv::env {
namespace {

bool IsHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

std::string Manifest::LayerPath(const Layer& layer) { return "layers/" + layer.sha256 + ".tar.gz"; }

std::string Manifest::PythonVersion() const {
  auto it = target_markers.find("python_version");
  return it == target_markers.end() ? std::string() : it->second;
}

uint64_t Manifest::TotalSize() const {
  uint64_t total = 0;
  for (const Layer& l : layers) total += l.size;
  return total;
}

std::string ToJson(const Manifest& m) {
  nlohmann::json j;
  j["format"] = m.format;
  j["env_id"] = m.env_id;
  j["lock_sha256"] = m.lock_sha256;
  j["created_by"] = m.created_by;
  j["target"] = {{"markers", m.target_markers}, {"tags_sha256", m.target_tags_sha256}};
  j["layers"] = nlohmann::json::array();
  for (const Layer& l : m.layers) {
    nlohmann::json layer = {{"sha256", l.sha256},   {"size", l.size},
                            {"package", l.package}, {"version", l.version},
                            {"wheel", l.wheel},     {"wheel_sha256", l.wheel_sha256},
                            {"files", l.files},     {"installed_bytes", l.installed_bytes}};
    if (!l.sdist.empty()) {
      layer["sdist"] = l.sdist;
      layer["sdist_sha256"] = l.sdist_sha256;
    }
    j["layers"].push_back(std::move(layer));
  }
  j["application"] = nullptr;
  if (m.application) {
    const Application& a = *m.application;
    j["application"] = {{"name", a.name},
                        {"version", a.version},
                        {"wheel", a.wheel},
                        {"wheel_sha256", a.wheel_sha256},
                        {"layer", a.layer}};
  }
  return j.dump(2) + "\n";
}

Result<Manifest> FromJson(std::string_view text, std::string_view source) {
  const std::string where(source);
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Error(where + ": not a JSON object", ErrorKind::kInvalidInput);
  }
  auto str = [&](const nlohmann::json& o, const char* key, std::string* out) -> Status {
    auto it = o.find(key);
    if (it == o.end() || !it->is_string()) {
      return Error(where + ": " + key + " must be a string", ErrorKind::kInvalidInput);
    }
    *out = it->get<std::string>();
    return Status();
  };
  auto num = [&](const nlohmann::json& o, const char* key, uint64_t* out) -> Status {
    auto it = o.find(key);
    if (it == o.end() || !it->is_number_unsigned()) {
      return Error(where + ": " + key + " must be a non-negative integer",
                   ErrorKind::kInvalidInput);
    }
    *out = it->get<uint64_t>();
    return Status();
  };
  Manifest m;
  for (auto [key, out] : {std::pair{"format", &m.format},
                          {"env_id", &m.env_id},
                          {"lock_sha256", &m.lock_sha256},
                          {"created_by", &m.created_by}}) {
    Status s = str(j, key, out);
    if (!s.ok()) return s.error();
  }
  if (m.format != kFormat) {
    return Error(where + ": format " + Quote(m.format) + " is not " + Quote(kFormat) +
                     " (written by a newer sparkenv?)",
                 ErrorKind::kInvalidInput);
  }
  for (auto [key, value] : {std::pair{"env_id", &m.env_id}, {"lock_sha256", &m.lock_sha256}}) {
    if (!IsHex64(*value)) {
      return Error(where + ": " + key + " must be 64 lowercase hex digits",
                   ErrorKind::kInvalidInput);
    }
  }
  auto target = j.find("target");
  if (target == j.end() || !target->is_object()) {
    return Error(where + ": target must be an object", ErrorKind::kInvalidInput);
  }
  Status s = str(*target, "tags_sha256", &m.target_tags_sha256);
  if (!s.ok()) return s.error();
  auto markers = target->find("markers");
  if (markers == target->end() || !markers->is_object()) {
    return Error(where + ": target.markers must be an object", ErrorKind::kInvalidInput);
  }
  for (auto it = markers->begin(); it != markers->end(); ++it) {
    if (!it->is_string()) {
      return Error(where + ": target.markers." + it.key() + " must be a string",
                   ErrorKind::kInvalidInput);
    }
    m.target_markers[it.key()] = it->get<std::string>();
  }
  auto layers = j.find("layers");
  if (layers == j.end() || !layers->is_array()) {
    return Error(where + ": layers must be an array", ErrorKind::kInvalidInput);
  }
  for (size_t i = 0; i < layers->size(); ++i) {
    const nlohmann::json& o = (*layers)[i];
    const std::string at = where + ": layers[" + std::to_string(i) + "]";
    if (!o.is_object()) return Error(at + " must be an object", ErrorKind::kInvalidInput);
    Layer l;
    for (auto [key, out] : {std::pair{"sha256", &l.sha256},
                            {"package", &l.package},
                            {"version", &l.version},
                            {"wheel", &l.wheel},
                            {"wheel_sha256", &l.wheel_sha256}}) {
      Status st = str(o, key, out);
      if (!st.ok()) return Error(at + ": " + key + " must be a string", ErrorKind::kInvalidInput);
    }
    for (auto [key, out] : {std::pair{"size", &l.size},
                            {"files", &l.files},
                            {"installed_bytes", &l.installed_bytes}}) {
      Status st = num(o, key, out);
      if (!st.ok()) {
        return Error(at + ": " + key + " must be a non-negative integer", ErrorKind::kInvalidInput);
      }
    }
    if (!IsHex64(l.sha256) || !IsHex64(l.wheel_sha256)) {
      return Error(at + ": sha256 and wheel_sha256 must be 64 lowercase hex digits",
                   ErrorKind::kInvalidInput);
    }
    if (!spec::IsNormalizedName(l.package)) {
      return Error(at + ": package " + Quote(l.package) + " is not a normalized project name",
                   ErrorKind::kInvalidInput);
    }
    if (o.contains("sdist")) {
      for (auto [key, out] : {std::pair{"sdist", &l.sdist}, {"sdist_sha256", &l.sdist_sha256}}) {
        Status st = str(o, key, out);
        if (!st.ok()) return Error(at + ": " + key + " must be a string", ErrorKind::kInvalidInput);
      }
      if (!IsHex64(l.sdist_sha256)) {
        return Error(at + ": sdist_sha256 must be 64 lowercase hex digits",
                     ErrorKind::kInvalidInput);
      }
    }
    m.layers.push_back(std::move(l));
  }
  if (auto app = j.find("application"); app != j.end() && !app->is_null()) {
    const std::string at = where + ": application";
    if (!app->is_object()) {
      return Error(at + " must be an object or null", ErrorKind::kInvalidInput);
    }
    Application a;
    for (auto [key, out] : {std::pair{"name", &a.name},
                            {"version", &a.version},
                            {"wheel", &a.wheel},
                            {"wheel_sha256", &a.wheel_sha256},
                            {"layer", &a.layer}}) {
      Status st = str(*app, key, out);
      if (!st.ok()) return Error(at + ": " + key + " must be a string", ErrorKind::kInvalidInput);
    }
    if (!IsHex64(a.wheel_sha256) || !IsHex64(a.layer)) {
      return Error(at + ": wheel_sha256 and layer must be 64 lowercase hex digits",
                   ErrorKind::kInvalidInput);
    }
    if (!spec::IsNormalizedName(a.name)) {
      return Error(at + ": name " + Quote(a.name) + " is not a normalized project name",
                   ErrorKind::kInvalidInput);
    }
    bool found = false;
    for (const Layer& l : m.layers) found = found || (l.package == a.name && l.sha256 == a.layer);
    if (!found) {
      return Error(at + ": no layer of package " + Quote(a.name) + " has sha256 " + a.layer,
                   ErrorKind::kInvalidInput);
    }
    m.application = std::move(a);
  }
  const std::string id = EnvironmentId(m.lock_sha256, m.target_markers, m.target_tags_sha256,
                                       m.application ? m.application->wheel_sha256 : "");
  if (id != m.env_id) {
    return Error(
        where + ": env_id " + m.env_id + " does not match its lock and target (" + id + ")",
        ErrorKind::kInvalidInput);
  }
  return m;
}

std::string EnvironmentId(const std::string& lock_sha256,
                          const std::map<std::string, std::string>& target_markers,
                          const std::string& target_tags_sha256,
                          const std::string& application_wheel_sha256) {
  std::string text = std::string(kFormat) + "\nlock " + lock_sha256 + "\n";
  for (const auto& [key, value] : target_markers) text += "marker " + key + "=" + value + "\n";
  text += "tags " + target_tags_sha256 + "\n";
  // Without an application the id is what it was before applications existed.
  if (!application_wheel_sha256.empty()) text += "application " + application_wheel_sha256 + "\n";
  return index::Sha256Hex(text);
}

}  // namespace sparkenv::env
