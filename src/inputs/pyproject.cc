#include "inputs/pyproject.h"

#include <algorithm>
#include <set>
#include <utility>

#include "base/strings.h"
#include "base/toml_guard.h"
#include "spec/name.h"

namespace sparkenv::inputs {

namespace {

class ProjectReader {
 public:
  explicit ProjectReader(std::string_view source) : source_(source) {}

  Error Fail(const toml::node* at, const std::string& message) const {
    return Error(Where(at) + ": " + message);
  }

  std::string Where(const toml::node* at) const {
    std::string where(source_);
    if (at != nullptr && at->source().begin.line > 0) {
      where += ":" + std::to_string(at->source().begin.line);
    }
    return where;
  }

  int Line(const toml::node& n) const { return static_cast<int>(n.source().begin.line); }

  Result<RequirementLine> Requirement(const toml::node& n, const std::string& key) const {
    const toml::value<std::string>* s = n.as_string();
    if (s == nullptr) return Fail(&n, key + ": expected a string, not " + toml_guard::TypeName(n));
    Result<spec::Requirement> r = spec::Requirement::Parse(toml_guard::TomlText(s->get()));
    if (!r) return Fail(&n, key + ": " + r.error().message());
    return RequirementLine{std::move(r).value(), Origin{std::string(source_), Line(n)}, {}, ""};
  }

  Result<std::vector<RequirementLine>> RequirementArray(const toml::node& n,
                                                        const std::string& key) const {
    const toml::array* a = n.as_array();
    if (a == nullptr)
      return Fail(&n, key + ": expected an array of strings, not " + toml_guard::TypeName(n));
    std::vector<RequirementLine> out;
    for (size_t i = 0; i < a->size(); ++i) {
      Result<RequirementLine> r = Requirement(*a->get(i), key + "[" + std::to_string(i) + "]");
      if (!r) return r.error();
      out.push_back(std::move(r).value());
    }
    return out;
  }

  Status ReadProject(const toml::table& project, PyProject* out) const {
    std::set<std::string> dynamic;
    if (const toml::node* n = project.get("dynamic")) {
      const toml::array* a = n->as_array();
      if (a == nullptr)
        return Fail(
            n, "project.dynamic: expected an array, not " + std::string(toml_guard::TypeName(*n)));
      for (const toml::node& item : *a) {
        if (const toml::value<std::string>* s = item.as_string())
          dynamic.insert(toml_guard::TomlText(s->get()));
      }
    }
    for (const char* key : {"dependencies", "optional-dependencies"}) {
      if (dynamic.count(key)) {
        return Fail(project.get("dynamic"),
                    std::string("project.") + key +
                        " is dynamic (computed by the build backend); sparkenv reads only static "
                        "metadata: list them in pyproject.toml or use a requirements file");
      }
    }
    if (const toml::node* n = project.get("name")) {
      const toml::value<std::string>* s = n->as_string();
      if (s == nullptr)
        return Fail(
            n, "project.name: expected a string, not " + std::string(toml_guard::TypeName(*n)));
      std::string name = toml_guard::TomlText(s->get());
      Status valid = spec::ValidateName(name);
      if (!valid) return Fail(n, "project.name: " + valid.error().message());
      out->name = name;
    }
    if (const toml::node* n = project.get("requires-python")) {
      const toml::value<std::string>* s = n->as_string();
      if (s == nullptr) {
        return Fail(n, "project.requires-python: expected a string, not " +
                           std::string(toml_guard::TypeName(*n)));
      }
      Result<spec::SpecifierSet> spec = spec::SpecifierSet::Parse(toml_guard::TomlText(s->get()));
      if (!spec) return Fail(n, "project.requires-python: " + spec.error().message());
      out->requires_python = *spec;
    }
    if (const toml::node* n = project.get("dependencies")) {
      Result<std::vector<RequirementLine>> deps = RequirementArray(*n, "project.dependencies");
      if (!deps) return deps.error();
      out->dependencies = std::move(deps).value();
    }
    if (const toml::node* n = project.get("optional-dependencies")) {
      const toml::table* t = n->as_table();
      if (t == nullptr) {
        return Fail(n, "project.optional-dependencies: expected a table, not " +
                           std::string(toml_guard::TypeName(*n)));
      }
      for (auto&& [k, v] : *t) {
        std::string extra = toml_guard::TomlText(k.str());
        std::string key = "project.optional-dependencies." + extra;
        if (!spec::IsValidName(extra)) {
          return Fail(&v, key + ": " + Quote(extra) + " is not a valid extra name");
        }
        std::string normalized = spec::NormalizeExtra(extra);
        if (out->optional_dependencies.count(normalized)) {
          return Fail(&v, key + ": the extra " + Quote(normalized) + " is defined twice");
        }
        Result<std::vector<RequirementLine>> deps = RequirementArray(v, key);
        if (!deps) return deps.error();
        out->optional_dependencies[normalized] = std::move(deps).value();
      }
    }
    return Status::Ok();
  }

  // PEP 735: expands include-group entries depth first.
  Status ExpandGroup(const toml::table& groups, const std::string& normalized,
                     std::vector<std::string>* stack, PyProject* out) const {
    if (out->dependency_groups.count(normalized)) return Status::Ok();
    const toml::node* node = nullptr;
    std::string written;
    for (auto&& [k, v] : groups) {
      if (spec::NormalizeName(toml_guard::TomlText(k.str())) == normalized) {
        node = &v;
        written = toml_guard::TomlText(k.str());
      }
    }
    std::string key = "dependency-groups." + written;
    const toml::array* a = node->as_array();
    if (a == nullptr)
      return Fail(node,
                  key + ": expected an array, not " + std::string(toml_guard::TypeName(*node)));
    stack->push_back(normalized);
    std::vector<RequirementLine> reqs;
    for (size_t i = 0; i < a->size(); ++i) {
      const toml::node& item = *a->get(i);
      std::string item_key = key + "[" + std::to_string(i) + "]";
      if (const toml::table* t = item.as_table()) {
        const toml::node* inc = t->get("include-group");
        const toml::value<std::string>* name = inc ? inc->as_string() : nullptr;
        if (name == nullptr || t->size() != 1) {
          return Fail(&item,
                      item_key + ": expected a requirement string or {include-group = \"name\"}");
        }
        std::string target = spec::NormalizeName(toml_guard::TomlText(name->get()));
        bool exists = false;
        for (auto&& [k, v] : groups)
          exists = exists || spec::NormalizeName(toml_guard::TomlText(k.str())) == target;
        if (!exists) {
          return Fail(&item, item_key + ": included group " +
                                 Quote(toml_guard::TomlText(name->get())) + " is not defined");
        }
        if (std::find(stack->begin(), stack->end(), target) != stack->end()) {
          return Fail(&item, item_key + ": group " + Quote(toml_guard::TomlText(name->get())) +
                                 " includes itself");
        }
        Status s = ExpandGroup(groups, target, stack, out);
        if (!s) return s;
        const std::vector<RequirementLine>& included = out->dependency_groups[target];
        reqs.insert(reqs.end(), included.begin(), included.end());
        continue;
      }
      Result<RequirementLine> r = Requirement(item, item_key);
      if (!r) return r.error();
      reqs.push_back(std::move(r).value());
    }
    stack->pop_back();
    out->dependency_groups[normalized] = std::move(reqs);
    return Status::Ok();
  }

  Status ReadGroups(const toml::table& groups, PyProject* out) const {
    std::set<std::string> seen;
    for (auto&& [k, v] : groups) {
      std::string normalized = spec::NormalizeName(toml_guard::TomlText(k.str()));
      if (!spec::IsValidName(toml_guard::TomlText(k.str()))) {
        return Fail(&v, "dependency-groups: " + Quote(toml_guard::TomlText(k.str())) +
                            " is not a valid group name");
      }
      if (!seen.insert(normalized).second) {
        return Fail(&v, "dependency-groups: the group " + Quote(normalized) + " is defined twice");
      }
    }
    for (const std::string& name : seen) {
      std::vector<std::string> stack;
      Status s = ExpandGroup(groups, name, &stack, out);
      if (!s) return s;
    }
    return Status::Ok();
  }

 private:
  std::string_view source_;
};

std::string NamesOf(const std::map<std::string, std::vector<RequirementLine>>& m) {
  if (m.empty()) return "none";
  std::vector<std::string> names;
  names.reserve(m.size());
  for (const auto& [k, v] : m) names.push_back(Quote(k));
  return Join(names, ", ");
}

}  // namespace

Result<PyProject> ParsePyProject(std::string_view text, std::string_view source) {
  Result<toml::table> parsed = toml_guard::Parse(text, source);
  if (!parsed) return parsed.error();
  const toml::table& root = *parsed;
  ProjectReader reader(source);
  PyProject out;
  if (const toml::node* n = root.get("project")) {
    const toml::table* project = n->as_table();
    if (project == nullptr)
      return reader.Fail(n,
                         "project: expected a table, not " + std::string(toml_guard::TypeName(*n)));
    Status s = reader.ReadProject(*project, &out);
    if (!s) return s.error();
  }
  if (const toml::node* n = root.get("dependency-groups")) {
    const toml::table* groups = n->as_table();
    if (groups == nullptr) {
      return reader.Fail(
          n, "dependency-groups: expected a table, not " + std::string(toml_guard::TypeName(*n)));
    }
    Status s = reader.ReadGroups(*groups, &out);
    if (!s) return s.error();
  }
  if (root.get("project") == nullptr && root.get("dependency-groups") == nullptr) {
    return Error(std::string(source) +
                 ": no [project] table (nor [dependency-groups]): nothing to lock");
  }
  return out;
}

Result<PyProject> ReadPyProject(const std::string& path, const FileSystem& fs) {
  Result<std::string> text = fs.ReadFile(path);
  if (!text) return text.error();
  return ParsePyProject(*text, path);
}

Result<std::vector<RequirementLine>> SelectRequirements(const PyProject& project,
                                                        const std::vector<std::string>& extras,
                                                        const std::vector<std::string>& groups,
                                                        std::string_view source) {
  std::vector<RequirementLine> out = project.dependencies;
  for (const std::string& extra : extras) {
    auto it = project.optional_dependencies.find(spec::NormalizeExtra(extra));
    if (it == project.optional_dependencies.end()) {
      return Error("unknown extra " + Quote(extra) + ": " + std::string(source) + " defines " +
                       NamesOf(project.optional_dependencies),
                   ErrorKind::kNotFound);
    }
    out.insert(out.end(), it->second.begin(), it->second.end());
  }
  for (const std::string& group : groups) {
    auto it = project.dependency_groups.find(spec::NormalizeName(group));
    if (it == project.dependency_groups.end()) {
      return Error("unknown dependency group " + Quote(group) + ": " + std::string(source) +
                       " defines " + NamesOf(project.dependency_groups),
                   ErrorKind::kNotFound);
    }
    out.insert(out.end(), it->second.begin(), it->second.end());
  }
  return out;
}

}  // namespace sparkenv::inputs
