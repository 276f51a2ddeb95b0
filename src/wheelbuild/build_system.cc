#include "wheelbuild/build_system.h"

#include "base/strings.h"
#include "base/toml_guard.h"
#include "install/wheel_install.h"

namespace sparkenv::wheelbuild {
namespace {

Result<spec::Requirement> Legacy() { return spec::Requirement::Parse(kLegacyRequirement); }

bool IsIdentifier(std::string_view s) {
  if (s.empty() || IsAsciiDigit(s[0])) return false;
  for (char c : s) {
    if (!IsAsciiAlnum(c) && c != '_') return false;
  }
  return true;
}

// "pkg.mod" or "pkg.mod:obj.attr", every part a Python identifier.
bool IsBackendName(std::string_view s) {
  size_t colon = s.find(':');
  std::string_view module = s.substr(0, colon);
  std::string_view object = colon == std::string_view::npos ? "" : s.substr(colon + 1);
  for (const std::string& part : Split(module, '.')) {
    if (!IsIdentifier(part)) return false;
  }
  if (colon == std::string_view::npos) return true;
  for (const std::string& part : Split(object, '.')) {
    if (!IsIdentifier(part)) return false;
  }
  return true;
}

}  // namespace

Result<BuildSystem> ReadBuildSystem(const std::optional<std::string>& pyproject,
                                    std::string_view source) {
  const std::string where(source);
  BuildSystem out;
  auto legacy = [&out]() -> Status {
    auto r = Legacy();
    if (!r.ok()) return r.error();
    out.requirements = {*r};
    out.backend = kLegacyBackend;
    out.legacy = true;
    return Status::Ok();
  };
  if (!pyproject) {
    if (Status s = legacy(); !s.ok()) return s.error();
    return out;
  }
  auto parsed = toml_guard::Parse(*pyproject, source);
  if (!parsed.ok()) return parsed.error();
  const toml::table& root = *parsed;
  if (const toml::table* project = root["project"].as_table()) {
    if (const auto* name = (*project)["name"].as_string()) {
      out.project_name = toml_guard::TomlText(name->get());
    }
    if (const auto* version = (*project)["version"].as_string()) {
      out.project_version = toml_guard::TomlText(version->get());
    }
  }
  const toml::node* bs = root.get("build-system");
  if (bs == nullptr) {
    if (Status s = legacy(); !s.ok()) return s.error();
    return out;
  }
  const toml::table* table = bs->as_table();
  if (table == nullptr) {
    return Error(where + ": build-system: expected a table, not " + toml_guard::TypeName(*bs));
  }
  const toml::node* req = table->get("requires");
  if (req == nullptr) {
    return Error(where +
                 ": [build-system] has no 'requires' (PEP 518 makes it mandatory; use "
                 "requires = [] for none)");
  }
  const toml::array* reqs = req->as_array();
  if (reqs == nullptr) {
    return Error(where + ": build-system.requires: expected an array of strings, not " +
                 toml_guard::TypeName(*req));
  }
  for (size_t i = 0; i < reqs->size(); ++i) {
    const auto* s = reqs->get(i)->as_string();
    const std::string key = "build-system.requires[" + std::to_string(i) + "]";
    if (s == nullptr) {
      return Error(where + ": " + key + ": expected a string, not " +
                   toml_guard::TypeName(*reqs->get(i)));
    }
    auto r = spec::Requirement::Parse(toml_guard::TomlText(s->get()));
    if (!r.ok()) return Error(where + ": " + key + ": " + r.error().message());
    out.requirements.push_back(std::move(r).value());
  }
  if (const toml::node* backend = table->get("build-backend")) {
    const auto* s = backend->as_string();
    if (s == nullptr) {
      return Error(where + ": build-system.build-backend: expected a string, not " +
                   toml_guard::TypeName(*backend));
    }
    out.backend = toml_guard::TomlText(s->get());
    if (!IsBackendName(out.backend)) {
      return Error(where + ": build-system.build-backend " + Quote(out.backend) +
                   " is not 'module' or 'module:object' with Python identifiers");
    }
  } else {
    out.backend = kLegacyBackend;
    out.legacy = true;
  }
  if (const toml::node* paths = table->get("backend-path")) {
    const toml::array* a = paths->as_array();
    if (a == nullptr) {
      return Error(where + ": build-system.backend-path: expected an array of strings, not " +
                   toml_guard::TypeName(*paths));
    }
    for (size_t i = 0; i < a->size(); ++i) {
      const auto* s = a->get(i)->as_string();
      const std::string key = "build-system.backend-path[" + std::to_string(i) + "]";
      if (s == nullptr) {
        return Error(where + ": " + key + ": expected a string, not " +
                     toml_guard::TypeName(*a->get(i)));
      }
      std::string path = toml_guard::TomlText(s->get());
      // "." and "./x" are common; the rest follows the archive-name rules.
      std::string normal = path;
      while (StartsWith(normal, "./")) normal = normal.substr(2);
      while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
      if (normal.empty()) normal = ".";
      if (normal != ".") {
        if (std::string why = install::UnsafeNameReason(normal); !why.empty()) {
          return Error(where + ": " + key + " " + Quote(path) +
                       " must be a relative path inside the source tree (PEP 517): it " + why);
        }
      }
      out.backend_path.push_back(normal);
    }
  }
  return out;
}

}  // namespace sparkenv::wheelbuild
