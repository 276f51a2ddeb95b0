#include "resolve/resolver.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <tuple>
#include <utility>

#include "base/strings.h"
#include "resolve/version_range.h"
#include "spec/name.h"

namespace sparkenv::resolve {
namespace {

using spec::Version;

// How many next candidates of a project to hint to the provider.
constexpr size_t kPrefetchCount = 3;

constexpr int kRootPackage = 0;

// A statement about one package: "is selected with a version in `set`"
// (positive) or "is not selected with a version in `set`" (negative; also true
// when the package is not selected at all).
struct Term {
  int pkg = 0;
  VersionRange set;
  bool positive = true;
};

Term Negate(const Term& t) { return Term{t.pkg, t.set, !t.positive}; }

Term IntersectTerms(const Term& a, const Term& b) {
  if (a.positive && b.positive) return Term{a.pkg, a.set.Intersect(b.set), true};
  if (a.positive) return Term{a.pkg, a.set.Difference(b.set), true};
  if (b.positive) return Term{a.pkg, b.set.Difference(a.set), true};
  return Term{a.pkg, a.set.Union(b.set), false};
}

bool IsEmpty(const Term& t) { return t.positive && t.set.empty(); }
// Every assignment allowed by `a` is allowed by `b` (a and not-b is empty).
bool Satisfies(const Term& a, const Term& b) {
  if (a.positive && b.positive) return a.set.IsSubsetOf(b.set);
  if (a.positive) return a.set.IsDisjoint(b.set);
  if (b.positive) return false;  // "not selected" satisfies a, never b
  return b.set.IsSubsetOf(a.set);
}
// No assignment is allowed by both.
bool Disjoint(const Term& a, const Term& b) {
  if (a.positive && b.positive) return a.set.IsDisjoint(b.set);
  if (a.positive) return a.set.IsSubsetOf(b.set);
  if (b.positive) return b.set.IsSubsetOf(a.set);
  return false;
}

enum class Cause {
  kRoot,         // the root must be selected
  kDependency,   // terms[0] depends on terms[1] (text: the specifier as written)
  kNoMatch,      // terms[0] depends on dep_pkg, and no version matches `text`
  kNotFound,     // the project is not in the index
  kNoVersions,   // the project lists no versions in the range
  kUnavailable,  // text: a reason with "{}" where the term goes
  kConstraint,   // a constraint: text is the specifier
  kDerived,      // learned from `left` and `right`
};

// A set of terms that must not all be true.
struct Incompat {
  std::vector<Term> terms;
  Cause cause = Cause::kRoot;
  int left = -1;
  int right = -1;
  int dep_pkg = -1;
  std::string text;
};

struct Assignment {
  Term term;
  int level = 0;
  int cause = -1;  // incompatibility index; -1 for decisions
  bool decision = false;
};

// What the resolver knows about one project (shared by "a" and "a[x]").
struct Project {
  std::string name;
  bool not_found = false;
  std::vector<Version> versions;         // ascending
  std::vector<CandidateVersion> raw;     // aligned with versions
  std::vector<int> file;                 // chosen file per version, -1 if none
  std::vector<std::string> unavailable;  // reason template per version ("" = usable)
  bool prerelease_explicit = false;
  bool direct = false;
  std::map<size_t, VersionMetadata> metadata;
  bool reasons_added = false;
};

struct Package {
  std::string key;  // "a" or "a[x]"
  std::string name;
  std::string extra;
  Project* project = nullptr;
  bool not_found_added = false;
};

struct DepEdge {
  int pkg;
  Dependency dep;
  spec::SpecifierSet specifier;
  std::optional<size_t> exact;  // for an extra's edge to its base: that version
};

std::string JoinWords(const std::vector<std::string>& items, const std::string& last_joiner) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (i + 1 == items.size()) ? " " + last_joiner + " " : ", ";
    out += items[i];
  }
  return out;
}

std::string ReplaceHole(const std::string& text, const std::string& value) {
  std::string out = text;
  size_t pos = out.find("{}");
  if (pos != std::string::npos) out.replace(pos, 2, value);
  return out;
}

class Solver {
 public:
  Solver(Provider& provider, const ResolveRequest& request)
      : provider_(provider), request_(request) {}

  Result<Resolution> Run();

 private:
  // Setup.
  Status Prepare();
  Result<Project*> LoadProject(const std::string& name);
  void ComputeAvailability(Project& project);
  int PackageId(const std::string& name, const std::string& extra, Project* project);

  // PubGrub.
  int AddIncompat(Incompat incompat);
  void Register(int index);
  Status Propagate(int pkg);
  enum class Rel { kSatisfied, kContradicted, kAlmost, kInconclusive };
  Rel Relation(const Incompat& incompat, int* unsatisfied) const;
  void Derive(const Term& term, int cause);
  void Decide(int pkg, size_t version_index);
  void Backtrack(int level);
  size_t FindSatisfier(const Term& term) const;
  Result<int> ResolveConflict(int index);
  Result<bool> ChooseNext(int* next);
  Result<std::vector<DepEdge>*> Dependencies(int pkg, size_t index, bool* unavailable);
  Status AddDependencyIncompats(int pkg, size_t index, const std::vector<DepEdge>& deps,
                                bool* conflict);

  // Explanation.
  Error Failure(int index);
  // With `exact`, a set holding one candidate prints as "a==1.0" whatever
  // its bounds (for facts about one version).
  std::string TermText(const Term& t, bool exact = false) const;
  std::string DepText(int pkg, const std::string& spec_text) const;
  std::string IncompatText(int index) const;
  void CountDerivations(int index);
  void Visit(int index, bool conclusion);
  void WriteLine(int index, std::string line, bool numbered);
  bool IsDerived(int index) const { return incompats_[index].cause == Cause::kDerived; }
  bool RestsOnNotFound(int index) const;

  Resolution BuildResolution() const;

  VersionRange CellOf(int pkg, size_t index) const {
    if (pkg == kRootPackage) return VersionRange::Full();
    return VersionRange::Cell(packages_[pkg].project->versions, index);
  }

  Provider& provider_;
  const ResolveRequest& request_;
  std::optional<Version> python_;
  std::string python_text_;
  std::set<std::string> no_binary_;
  std::set<std::string> no_build_;
  std::vector<spec::Requirement> yanked_pins_;  // direct requirements and constraints

  std::map<std::string, std::unique_ptr<Project>> projects_;
  std::vector<Package> packages_;
  std::map<std::string, int> package_ids_;
  std::map<std::string, std::vector<const spec::Requirement*>> constraints_;
  std::set<std::string> constrained_;

  std::vector<Incompat> incompats_;
  std::map<int, std::vector<int>> by_pkg_;
  std::vector<Assignment> assignments_;
  std::map<int, Term> acc_;
  std::map<int, size_t> decisions_;
  int level_ = 0;
  std::map<std::pair<int, size_t>, std::vector<DepEdge>> deps_;

  // Explanation state.
  std::map<int, int> derivations_;
  std::map<int, int> line_numbers_;
  std::vector<std::pair<std::string, int>> lines_;  // text, number (0 = none)
};

// ---------------------------------------------------------------------------
// Setup.

Status Solver::Prepare() {
  auto it = request_.target.markers().find("python_full_version");
  if (it != request_.target.markers().end()) {
    auto v = Version::Parse(it->second);
    if (v.ok()) {
      python_ = *v;
      python_text_ = it->second;
    }
  }
  for (const std::string& n : request_.options.no_binary) no_binary_.insert(spec::NormalizeName(n));
  for (const std::string& n : request_.options.no_build) no_build_.insert(spec::NormalizeName(n));
  const spec::MarkerEnvironment& env = request_.target.markers();
  for (const spec::Requirement& r : request_.constraints) {
    auto applies = r.EvaluateMarker(env, {});
    if (!applies.ok()) return applies.error().Wrap("constraint " + Quote(r.ToString()));
    if (!*applies) continue;
    constraints_[r.normalized_name()].push_back(&r);
    yanked_pins_.push_back(r);
  }
  for (const spec::Requirement& r : request_.requirements) {
    auto applies = r.EvaluateMarker(env, request_.extras);
    if (!applies.ok()) return applies.error().Wrap("requirement " + Quote(r.ToString()));
    if (*applies) yanked_pins_.push_back(r);
  }
  if (request_.requires_python && python_ &&
      !request_.requires_python->Contains(*python_, spec::PreReleases::kInclude)) {
    return Error("the target's Python " + python_text_ +
                     " does not satisfy the project's Requires-Python " +
                     request_.requires_python->ToString(),
                 ErrorKind::kUnsatisfiable);
  }
  return Status::Ok();
}

Result<Project*> Solver::LoadProject(const std::string& name) {
  auto found = projects_.find(name);
  if (found != projects_.end()) return found->second.get();
  auto project = std::make_unique<Project>();
  project->name = name;
  auto listed = provider_.ListVersions(name);
  if (!listed.ok()) {
    if (listed.error().kind() != ErrorKind::kNotFound) return listed.error();
    project->not_found = true;
  } else {
    std::vector<CandidateVersion> raw = std::move(listed->versions);
    std::sort(raw.begin(), raw.end(), [](const CandidateVersion& a, const CandidateVersion& b) {
      return a.version < b.version;
    });
    for (CandidateVersion& c : raw) {
      if (!project->versions.empty() && project->versions.back() == c.version) {
        // The provider should merge "1.0" and "1.0.0"; tolerate it anyway.
        for (DistributionFile& f : c.files) project->raw.back().files.push_back(std::move(f));
        continue;
      }
      project->versions.push_back(c.version);
      project->raw.push_back(std::move(c));
    }
    ComputeAvailability(*project);
  }
  Project* out = project.get();
  projects_[name] = std::move(project);
  return out;
}

void Solver::ComputeAvailability(Project& project) {
  const bool wheels_allowed = no_binary_.count(project.name) == 0;
  const bool sdists_allowed = !request_.options.no_build_all && no_build_.count(project.name) == 0;
  for (size_t i = 0; i < project.versions.size(); ++i) {
    const Version& v = project.versions[i];
    bool yank_ok = false;
    for (const spec::Requirement& pin : yanked_pins_) {
      if (pin.normalized_name() != project.name) continue;
      for (const spec::Specifier& s : pin.specifier().specifiers()) {
        if (((s.op() == spec::Operator::kEqual && !s.wildcard()) ||
             s.op() == spec::Operator::kArbitrary) &&
            s.Contains(v, spec::PreReleases::kInclude)) {
          yank_ok = true;
        }
      }
    }
    const std::vector<DistributionFile>& files = project.raw[i].files;
    int best_wheel = -1;
    size_t best_rank = 0;
    int sdist = -1;
    bool any_unyanked = false;
    bool any_python_ok = false;
    std::string python_spec;
    std::string yank_reason;
    bool has_wheel = false;
    bool has_sdist = false;
    for (size_t f = 0; f < files.size(); ++f) {
      const DistributionFile& file = files[f];
      if (file.yanked && !yank_ok) {
        if (yank_reason.empty()) yank_reason = file.yanked_reason;
        continue;
      }
      any_unyanked = true;
      if (file.requires_python && python_ &&
          !file.requires_python->Contains(*python_, spec::PreReleases::kInclude)) {
        if (python_spec.empty()) python_spec = file.requires_python->ToString();
        continue;
      }
      any_python_ok = true;
      if (file.is_wheel) {
        has_wheel = true;
        if (!wheels_allowed) continue;
        auto rank = request_.target.ranked_tags().BestRank(file.tags);
        if (rank && (best_wheel < 0 || *rank < best_rank)) {
          best_wheel = static_cast<int>(f);
          best_rank = *rank;
        }
      } else {
        has_sdist = true;
        if (sdists_allowed && sdist < 0) sdist = static_cast<int>(f);
      }
    }
    int chosen = best_wheel >= 0 ? best_wheel : sdist;
    project.file.push_back(chosen);
    std::string reason;
    if (chosen < 0) {
      if (files.empty()) {
        reason = "{} has no distribution files";
      } else if (!any_unyanked) {
        reason = "{} was yanked";
        if (!yank_reason.empty()) reason += " (reason: " + yank_reason + ")";
      } else if (!any_python_ok) {
        reason = "the target's Python " + python_text_ + " does not satisfy {}'s Requires-Python " +
                 python_spec;
      } else if (has_wheel && !wheels_allowed && !has_sdist) {
        reason = "{} has only wheels and binary distributions are disabled for " + project.name;
      } else if (has_sdist && !sdists_allowed) {
        reason = "{} has no wheel for the target and building " + project.name +
                 " from source is disabled";
      } else {
        reason = "{} has no wheel for the target and no source distribution";
      }
    }
    project.unavailable.push_back(std::move(reason));
  }
}

int Solver::PackageId(const std::string& name, const std::string& extra, Project* project) {
  std::string key = extra.empty() ? name : name + "[" + extra + "]";
  auto it = package_ids_.find(key);
  if (it != package_ids_.end()) return it->second;
  int id = static_cast<int>(packages_.size());
  packages_.push_back(Package{key, name, extra, project, false});
  package_ids_[key] = id;
  return id;
}

// ---------------------------------------------------------------------------
// PubGrub core.

int Solver::AddIncompat(Incompat incompat) {
  int index = static_cast<int>(incompats_.size());
  incompats_.push_back(std::move(incompat));
  Register(index);
  return index;
}

void Solver::Register(int index) {
  for (const Term& t : incompats_[index].terms) by_pkg_[t.pkg].push_back(index);
}

Solver::Rel Solver::Relation(const Incompat& incompat, int* unsatisfied) const {
  int unsat = -1;
  for (size_t k = 0; k < incompat.terms.size(); ++k) {
    const Term& t = incompat.terms[k];
    auto it = acc_.find(t.pkg);
    if (it != acc_.end()) {
      if (Satisfies(it->second, t)) continue;
      if (Disjoint(it->second, t)) return Rel::kContradicted;
    }
    if (unsat >= 0) return Rel::kInconclusive;
    unsat = static_cast<int>(k);
  }
  if (unsat < 0) return Rel::kSatisfied;
  *unsatisfied = unsat;
  return Rel::kAlmost;
}

void Solver::Derive(const Term& term, int cause) {
  assignments_.push_back(Assignment{term, level_, cause, false});
  auto it = acc_.find(term.pkg);
  if (it == acc_.end()) {
    acc_.emplace(term.pkg, term);
  } else {
    it->second = IntersectTerms(it->second, term);
  }
}

void Solver::Decide(int pkg, size_t version_index) {
  ++level_;
  Term term{pkg, CellOf(pkg, version_index), true};
  assignments_.push_back(Assignment{term, level_, -1, true});
  auto it = acc_.find(pkg);
  if (it == acc_.end()) {
    acc_.emplace(pkg, term);
  } else {
    it->second = IntersectTerms(it->second, term);
  }
  decisions_[pkg] = version_index;
}

void Solver::Backtrack(int level) {
  while (!assignments_.empty() && assignments_.back().level > level) {
    if (assignments_.back().decision) decisions_.erase(assignments_.back().term.pkg);
    assignments_.pop_back();
  }
  level_ = level;
  acc_.clear();
  for (const Assignment& a : assignments_) {
    auto it = acc_.find(a.term.pkg);
    if (it == acc_.end()) {
      acc_.emplace(a.term.pkg, a.term);
    } else {
      it->second = IntersectTerms(it->second, a.term);
    }
  }
}

size_t Solver::FindSatisfier(const Term& term) const {
  std::optional<Term> sum;
  for (size_t i = 0; i < assignments_.size(); ++i) {
    const Assignment& a = assignments_[i];
    if (a.term.pkg != term.pkg) continue;
    sum = sum ? IntersectTerms(*sum, a.term) : a.term;
    if (Satisfies(*sum, term)) return i;
  }
  return assignments_.empty() ? 0 : assignments_.size() - 1;
}

Status Solver::Propagate(int start) {
  std::vector<int> changed{start};
  while (!changed.empty()) {
    int pkg = changed.back();
    changed.pop_back();
    std::vector<int> list = by_pkg_[pkg];
    for (auto it = list.rbegin(); it != list.rend(); ++it) {
      int unsat = -1;
      Rel rel = Relation(incompats_[*it], &unsat);
      if (rel == Rel::kSatisfied) {
        auto root_cause = ResolveConflict(*it);
        if (!root_cause.ok()) return root_cause.error();
        int u = -1;
        if (Relation(incompats_[*root_cause], &u) != Rel::kAlmost) {
          return Error("resolver: learned incompatibility is not almost satisfied",
                       ErrorKind::kInternal);
        }
        const Term& t = incompats_[*root_cause].terms[u];
        Derive(Negate(t), *root_cause);
        changed.assign(1, t.pkg);
        break;
      }
      if (rel == Rel::kAlmost) {
        const Term& t = incompats_[*it].terms[unsat];
        Derive(Negate(t), *it);
        if (std::find(changed.begin(), changed.end(), t.pkg) == changed.end()) {
          changed.push_back(t.pkg);
        }
      }
    }
  }
  return Status::Ok();
}

Result<int> Solver::ResolveConflict(int index) {
  int current = index;
  bool created = false;
  while (true) {
    const Incompat& inc = incompats_[current];
    if (inc.terms.empty() ||
        (inc.terms.size() == 1 && inc.terms[0].pkg == kRootPackage && inc.terms[0].positive)) {
      return Failure(current);
    }
    int term_k = -1;
    size_t sat_index = 0;
    int previous_level = 1;
    for (size_t k = 0; k < inc.terms.size(); ++k) {
      size_t s = FindSatisfier(inc.terms[k]);
      if (term_k < 0 || s > sat_index) {
        if (term_k >= 0) previous_level = std::max(previous_level, assignments_[sat_index].level);
        sat_index = s;
        term_k = static_cast<int>(k);
      } else {
        previous_level = std::max(previous_level, assignments_[s].level);
      }
    }
    const Term term = inc.terms[term_k];
    const Assignment satisfier = assignments_[sat_index];
    Term difference = IntersectTerms(satisfier.term, Negate(term));
    if (!IsEmpty(difference)) {
      size_t s = FindSatisfier(Negate(difference));
      previous_level = std::max(previous_level, assignments_[s].level);
    }
    if (satisfier.decision || previous_level != satisfier.level) {
      if (created) Register(current);
      Backtrack(previous_level);
      return current;
    }
    // Merge the incompatibility with the cause of the satisfier.
    std::vector<Term> terms;
    auto merge = [&terms](const Term& t) {
      for (Term& existing : terms) {
        if (existing.pkg == t.pkg) {
          existing = IntersectTerms(existing, t);
          return;
        }
      }
      terms.push_back(t);
    };
    for (const Term& t : inc.terms) {
      if (t.pkg != term.pkg) merge(t);
    }
    for (const Term& t : incompats_[satisfier.cause].terms) {
      if (t.pkg != satisfier.term.pkg) merge(t);
    }
    if (!IsEmpty(difference)) merge(Negate(difference));
    if (terms.size() > 1) {
      terms.erase(std::remove_if(terms.begin(), terms.end(),
                                 [](const Term& t) { return t.pkg == kRootPackage && t.positive; }),
                  terms.end());
    }
    Incompat derived;
    derived.terms = std::move(terms);
    derived.cause = Cause::kDerived;
    derived.left = current;
    derived.right = satisfier.cause;
    incompats_.push_back(std::move(derived));
    current = static_cast<int>(incompats_.size()) - 1;
    created = true;
  }
}

Result<std::vector<DepEdge>*> Solver::Dependencies(int pkg, size_t index, bool* unavailable) {
  *unavailable = false;
  auto key = std::make_pair(pkg, index);
  auto found = deps_.find(key);
  if (found != deps_.end()) return &found->second;

  std::vector<DepEdge> edges;
  const spec::MarkerEnvironment& env = request_.target.markers();
  auto add_requirement = [&](const spec::Requirement& r) -> Status {
    if (r.url()) {
      return Error("requirement " + Quote(r.ToString()) +
                   ": direct URL requirements are not supported by the resolver yet");
    }
    std::string name = r.normalized_name();
    auto project = LoadProject(name);
    if (!project.ok()) return project.error();
    Dependency dep;
    dep.name = name;
    for (const std::string& e : r.normalized_extras()) dep.extras.push_back(e);
    dep.requirement = r.ToString();
    if (r.specifier().mentions_prerelease()) (*project)->prerelease_explicit = true;
    int base = PackageId(name, "", *project);
    if (base != pkg) edges.push_back(DepEdge{base, dep, r.specifier(), std::nullopt});
    for (const std::string& e : dep.extras) {
      int id = PackageId(name, e, *project);
      if (id != pkg) edges.push_back(DepEdge{id, dep, r.specifier(), std::nullopt});
    }
    return Status::Ok();
  };

  // Every project these requirements name is about to be listed, one at a
  // time: tell the provider first, so it fetches the pages concurrently.
  auto prefetch = [&](const std::vector<spec::Requirement>& reqs,
                      const std::vector<std::string>& extras) {
    std::vector<std::string> ahead;
    for (const spec::Requirement& r : reqs) {
      auto applies = r.EvaluateMarker(env, extras);
      if (applies.ok() && *applies && !r.url()) ahead.push_back(r.normalized_name());
    }
    provider_.PrefetchVersions(ahead);
  };

  if (pkg == kRootPackage) {
    prefetch(request_.requirements, request_.extras);
    for (const spec::Requirement& r : request_.requirements) {
      auto applies = r.EvaluateMarker(env, request_.extras);
      if (!applies.ok()) return applies.error().Wrap("requirement " + Quote(r.ToString()));
      if (!*applies) continue;
      Status s = add_requirement(r);
      if (!s.ok()) return s.error();
      projects_[r.normalized_name()]->direct = true;
    }
  } else {
    const Package p = packages_[pkg];  // a copy: PackageId() below may grow packages_
    Project& project = *p.project;
    auto meta_it = project.metadata.find(index);
    if (meta_it == project.metadata.end()) {
      const DistributionFile& file = project.raw[index].files[project.file[index]];
      auto meta = provider_.GetMetadata(project.name, project.versions[index], file);
      if (!meta.ok()) {
        return meta.error().Wrap(project.name + "==" + project.versions[index].ToString());
      }
      meta_it = project.metadata.emplace(index, std::move(*meta)).first;
    }
    const VersionMetadata& meta = meta_it->second;
    if (meta.requires_python && python_ &&
        !meta.requires_python->Contains(*python_, spec::PreReleases::kInclude)) {
      Incompat inc;
      inc.terms.push_back(Term{pkg, CellOf(pkg, index), true});
      inc.cause = Cause::kUnavailable;
      inc.text = "the target's Python " + python_text_ + " does not satisfy {}'s Requires-Python " +
                 meta.requires_python->ToString();
      AddIncompat(std::move(inc));
      *unavailable = true;
      return nullptr;
    }
    if (!p.extra.empty()) {
      Dependency self;
      self.name = p.name;
      self.requirement = p.name + "==" + project.versions[index].ToString();
      edges.push_back(DepEdge{PackageId(p.name, "", p.project), self, {}, index});
    }
    std::vector<std::string> extras;
    if (!p.extra.empty()) extras.push_back(p.extra);
    prefetch(meta.requires_dist, extras);
    for (const spec::Requirement& r : meta.requires_dist) {
      auto applies = r.EvaluateMarker(env, extras);
      if (!applies.ok()) {
        return applies.error().Wrap(project.name + "==" + project.versions[index].ToString() +
                                    ": requirement " + Quote(r.ToString()));
      }
      if (!*applies) continue;
      // An extra's own edges are those its marker selects; the base edges
      // belong to the base package.
      if (!p.extra.empty()) {
        auto without = r.EvaluateMarker(env, {});
        if (without.ok() && *without) continue;
      }
      Status s = add_requirement(r);
      if (!s.ok()) return s.error();
    }
  }
  std::vector<std::string> names;
  names.reserve(edges.size());
  for (const DepEdge& e : edges) names.push_back(e.dep.name);
  provider_.PrefetchVersions(names);
  return &(deps_[key] = std::move(edges));
}

Status Solver::AddDependencyIncompats(int pkg, size_t index, const std::vector<DepEdge>& deps,
                                      bool* conflict) {
  *conflict = false;
  Term depender{pkg, CellOf(pkg, index), true};
  for (const DepEdge& edge : deps) {
    Package& target = packages_[edge.pkg];
    Project& project = *target.project;
    std::string spec_text = edge.specifier.ToString();
    if (edge.exact) spec_text = "==" + project.versions[*edge.exact].ToString();
    if (project.not_found) {
      if (!target.not_found_added) {
        target.not_found_added = true;
        Incompat nf;
        nf.terms.push_back(Term{edge.pkg, VersionRange::Full(), true});
        nf.cause = Cause::kNotFound;
        AddIncompat(std::move(nf));
      }
      Incompat inc;
      inc.terms = {depender, Term{edge.pkg, VersionRange::Full(), false}};
      inc.cause = Cause::kDependency;
      inc.text = spec_text;
      AddIncompat(std::move(inc));
      continue;
    }
    // Constraints on this project, once.
    if (constrained_.insert(target.key).second) {
      for (const spec::Requirement* c : constraints_[project.name]) {
        if (c->specifier().mentions_prerelease()) project.prerelease_explicit = true;
        VersionRange allowed = VersionRange::FromCandidates(project.versions, c->specifier());
        if (allowed.is_full()) continue;
        Incompat inc;
        inc.terms.push_back(Term{edge.pkg, allowed.Complement(), true});
        inc.cause = Cause::kConstraint;
        inc.text = c->specifier().ToString();
        AddIncompat(std::move(inc));
      }
    }
    VersionRange set = edge.exact ? VersionRange::Cell(project.versions, *edge.exact)
                                  : VersionRange::FromCandidates(project.versions, edge.specifier);
    Incompat inc;
    inc.dep_pkg = edge.pkg;
    inc.text = spec_text;
    if (set.empty()) {
      inc.terms = {depender};
      inc.cause = Cause::kNoMatch;
    } else {
      inc.terms = {depender, Term{edge.pkg, set, false}};
      inc.cause = Cause::kDependency;
    }
    int id = AddIncompat(std::move(inc));
    // Deciding would immediately violate this incompatibility when every
    // other term is already satisfied.
    bool others_satisfied = true;
    for (const Term& t : incompats_[id].terms) {
      if (t.pkg == pkg) continue;
      auto it = acc_.find(t.pkg);
      if (it == acc_.end() || !Satisfies(it->second, t)) others_satisfied = false;
    }
    if (others_satisfied) *conflict = true;
  }
  return Status::Ok();
}

Result<bool> Solver::ChooseNext(int* next) {
  // The undecided packages that must be selected.
  int best = -1;
  std::pair<int, int> best_key;
  for (const auto& [pkg, term] : acc_) {
    if (!term.positive || decisions_.count(pkg) != 0) continue;
    int count = 0;
    if (pkg != kRootPackage) {
      const Project& project = *packages_[pkg].project;
      for (size_t i = 0; i < project.versions.size() && count < 2; ++i) {
        if (project.unavailable[i].empty() && term.set.Contains(project.versions[i])) ++count;
      }
    }
    std::pair<int, int> key{pkg == kRootPackage ? -1 : (count <= 1 ? 0 : 1), pkg};
    if (best < 0 || key < best_key) {
      best = pkg;
      best_key = key;
    }
  }
  if (best < 0) return false;
  *next = best;
  if (best == kRootPackage) {
    bool unavailable = false;
    auto deps = Dependencies(kRootPackage, 0, &unavailable);
    if (!deps.ok()) return deps.error();
    bool conflict = false;
    Status s = AddDependencyIncompats(kRootPackage, 0, **deps, &conflict);
    if (!s.ok()) return s.error();
    if (!conflict) Decide(kRootPackage, 0);
    return true;
  }

  Project& project = *packages_[best].project;
  const VersionRange range = acc_.at(best).set;
  std::vector<size_t> order;
  for (size_t i = 0; i < project.versions.size(); ++i) {
    if (project.unavailable[i].empty() && range.Contains(project.versions[i])) order.push_back(i);
  }
  if (order.empty()) {
    // Explain why: every version in the range is unavailable (grouped by
    // reason) or there is none at all.
    std::map<std::string, VersionRange> groups;
    for (size_t i = 0; i < project.versions.size(); ++i) {
      if (project.unavailable[i].empty() || !range.Contains(project.versions[i])) continue;
      VersionRange& g = groups[project.unavailable[i]];
      g = g.Union(VersionRange::Cell(project.versions, i));
    }
    if (groups.empty()) {
      Incompat inc;
      inc.terms.push_back(Term{best, range, true});
      inc.cause = Cause::kNoVersions;
      AddIncompat(std::move(inc));
    }
    for (auto& [reason, set] : groups) {
      Incompat inc;
      inc.terms.push_back(Term{best, set, true});
      inc.cause = Cause::kUnavailable;
      inc.text = reason;
      AddIncompat(std::move(inc));
    }
    return true;
  }
  bool lowest = request_.options.strategy == Strategy::kLowest ||
                (request_.options.strategy == Strategy::kLowestDirect && project.direct);
  if (!lowest) std::reverse(order.begin(), order.end());
  if (request_.options.prereleases != Prereleases::kAllow && !project.prerelease_explicit) {
    std::stable_partition(order.begin(), order.end(),
                          [&project](size_t i) { return !project.versions[i].is_prerelease(); });
  }
  size_t chosen = order.front();
  if (order.size() > 1) {
    std::vector<Version> hint;
    for (size_t k = 1; k < order.size() && hint.size() < kPrefetchCount; ++k) {
      hint.push_back(project.versions[order[k]]);
    }
    provider_.Prefetch(project.name, hint);
  }
  bool unavailable = false;
  auto deps = Dependencies(best, chosen, &unavailable);
  if (!deps.ok()) return deps.error();
  if (unavailable) return true;
  bool conflict = false;
  Status s = AddDependencyIncompats(best, chosen, **deps, &conflict);
  if (!s.ok()) return s.error();
  if (!conflict) Decide(best, chosen);
  return true;
}

Result<Resolution> Solver::Run() {
  Status prepared = Prepare();
  if (!prepared.ok()) return prepared.error();
  auto root_project = std::make_unique<Project>();
  root_project->name = "";
  packages_.push_back(Package{"", "", "", root_project.get(), false});
  projects_[""] = std::move(root_project);
  Incompat root;
  root.terms.push_back(Term{kRootPackage, VersionRange::Full(), false});
  root.cause = Cause::kRoot;
  AddIncompat(std::move(root));

  int next = kRootPackage;
  while (true) {
    Status s = Propagate(next);
    if (!s.ok()) return s.error();
    auto more = ChooseNext(&next);
    if (!more.ok()) return more.error();
    if (!*more) break;
  }
  return BuildResolution();
}

Resolution Solver::BuildResolution() const {
  std::map<std::string, ResolvedPackage> out;
  Resolution resolution;
  for (const auto& [pkg, index] : decisions_) {
    const Package& p = packages_[pkg];
    if (pkg == kRootPackage || !p.extra.empty()) continue;
    const Project& project = *p.project;
    const DistributionFile& file = project.raw[index].files[project.file[index]];
    out.emplace(p.name,
                ResolvedPackage{p.name, project.versions[index], file, !file.is_wheel, {}, {}});
  }
  for (const auto& [pkg, index] : decisions_) {
    const Package& p = packages_[pkg];
    if (p.extra.empty()) continue;
    auto it = out.find(p.name);
    if (it != out.end()) it->second.extras.push_back(p.extra);
  }
  for (const auto& [pkg, index] : decisions_) {
    auto it = deps_.find({pkg, index});
    if (it == deps_.end()) continue;
    std::vector<Dependency>* into = &resolution.roots;
    if (pkg != kRootPackage) {
      auto found = out.find(packages_[pkg].name);
      if (found == out.end()) continue;
      into = &found->second.dependencies;
    }
    for (const DepEdge& e : it->second) {
      if (pkg != kRootPackage && e.dep.name == packages_[pkg].name) continue;  // extra -> base
      bool seen = false;
      for (const Dependency& d : *into) {
        if (d.name == e.dep.name && d.requirement == e.dep.requirement) seen = true;
      }
      if (!seen) into->push_back(e.dep);
    }
  }
  auto by_name = [](const Dependency& a, const Dependency& b) {
    return std::tie(a.name, a.requirement) < std::tie(b.name, b.requirement);
  };
  std::sort(resolution.roots.begin(), resolution.roots.end(), by_name);
  for (auto& [name, r] : out) {
    std::sort(r.extras.begin(), r.extras.end());
    std::sort(r.dependencies.begin(), r.dependencies.end(), by_name);
    resolution.packages.push_back(std::move(r));
  }
  return resolution;
}

// ---------------------------------------------------------------------------
// Explanations (pub's "Because ..." report over the derivation graph).

std::string Solver::TermText(const Term& t, bool exact) const {
  if (t.pkg == kRootPackage) return "your project";
  const Package& p = packages_[t.pkg];
  if (exact) {
    const Version* only = nullptr;
    int count = 0;
    for (const Version& v : p.project->versions) {
      if (!t.set.Contains(v)) continue;
      only = &v;
      if (++count > 1) break;
    }
    if (count == 1) return p.key + "==" + only->ToString();
  }
  if (t.set.is_full()) return p.key;
  return p.key + t.set.ToString(&p.project->versions);
}

std::string Solver::DepText(int pkg, const std::string& spec_text) const {
  return packages_[pkg].key + spec_text;
}

std::string Solver::IncompatText(int index) const {
  const Incompat& inc = incompats_[index];
  const bool from_root = !inc.terms.empty() && inc.terms[0].pkg == kRootPackage;
  switch (inc.cause) {
    case Cause::kRoot:
      return "your project is required";
    case Cause::kDependency: {
      std::string dep = DepText(inc.terms[1].pkg, inc.text);
      if (from_root) return "you require " + dep;
      return TermText(inc.terms[0], true) + " depends on " + dep;
    }
    case Cause::kNoMatch: {
      std::string dep = DepText(inc.dep_pkg, inc.text);
      std::string tail =
          " but no version of " + packages_[inc.dep_pkg].name + " matches " + inc.text;
      if (from_root) return "you require " + dep + tail;
      return TermText(inc.terms[0], true) + " depends on " + dep + tail;
    }
    case Cause::kNotFound:
      return packages_[inc.terms[0].pkg].name + " was not found in the package index";
    case Cause::kNoVersions:
      return "no versions of " + TermText(inc.terms[0]) + " are available";
    case Cause::kUnavailable:
      return ReplaceHole(inc.text, TermText(inc.terms[0], true));
    case Cause::kConstraint:
      return "you constrain " + packages_[inc.terms[0].pkg].key + " to " + inc.text;
    case Cause::kDerived:
      break;
  }
  std::vector<Term> terms;
  for (const Term& t : inc.terms) {
    if (!(t.pkg == kRootPackage && t.positive)) terms.push_back(t);
  }
  if (terms.empty()) return "version solving failed";
  std::vector<std::string> pos;
  std::vector<std::string> neg;
  for (const Term& t : terms) {
    if (t.positive) {
      pos.push_back(TermText(t));
    } else {
      neg.push_back(TermText(Negate(t)));
    }
  }
  if (neg.empty()) {
    if (pos.size() == 1) return pos[0] + " cannot be used";
    return JoinWords(pos, "and") + " are incompatible";
  }
  if (pos.empty()) {
    if (neg.size() == 1) return neg[0] + " is required";
    return "one of " + JoinWords(neg, "or") + " is required";
  }
  if (pos.size() == 1 && neg.size() == 1) return pos[0] + " requires " + neg[0];
  return "if " + JoinWords(pos, "and") + " are used then " + JoinWords(neg, "or") + " is required";
}

void Solver::CountDerivations(int index) {
  if (++derivations_[index] > 1) return;
  const Incompat& inc = incompats_[index];
  if (inc.cause == Cause::kDerived) {
    CountDerivations(inc.left);
    CountDerivations(inc.right);
  }
}

void Solver::WriteLine(int index, std::string line, bool numbered) {
  int number = 0;
  if (numbered) {
    number = static_cast<int>(line_numbers_.size()) + 1;
    line_numbers_[index] = number;
  }
  lines_.emplace_back(std::move(line), number);
}

void Solver::Visit(int index, bool conclusion) {
  const bool numbered = conclusion || derivations_[index] > 1;
  const std::string conjunction = numbered ? "So," : "And";
  const std::string text = IncompatText(index);
  const Incompat& inc = incompats_[index];
  const int left = inc.left;
  const int right = inc.right;
  auto line_of = [this](int i) -> int {
    auto it = line_numbers_.find(i);
    return it == line_numbers_.end() ? 0 : it->second;
  };
  auto ref = [this, &line_of](int i) {
    std::string s = IncompatText(i);
    if (int n = line_of(i); n > 0) s += " (" + std::to_string(n) + ")";
    return s;
  };

  if (IsDerived(left) && IsDerived(right)) {
    int left_line = line_of(left);
    int right_line = line_of(right);
    if (left_line > 0 && right_line > 0) {
      WriteLine(index, "Because " + ref(left) + " and " + ref(right) + ", " + text + ".", numbered);
    } else if (left_line > 0 || right_line > 0) {
      int with_line = left_line > 0 ? left : right;
      int without = left_line > 0 ? right : left;
      Visit(without, false);
      WriteLine(index, conjunction + " because " + ref(with_line) + ", " + text + ".", numbered);
    } else {
      auto single_line = [this](int i) {
        const Incompat& x = incompats_[i];
        return !IsDerived(x.left) && !IsDerived(x.right);
      };
      if (single_line(left) || single_line(right)) {
        int first = single_line(right) ? left : right;
        int second = first == left ? right : left;
        Visit(first, false);
        Visit(second, false);
        WriteLine(index, "Thus, " + text + ".", numbered);
      } else {
        Visit(left, true);
        lines_.emplace_back("", 0);
        Visit(right, false);
        WriteLine(index, conjunction + " because " + ref(left) + ", " + text + ".", numbered);
      }
    }
  } else if (IsDerived(left) || IsDerived(right)) {
    int derived = IsDerived(left) ? left : right;
    int external = IsDerived(left) ? right : left;
    if (line_of(derived) > 0) {
      WriteLine(index, "Because " + ref(external) + " and " + ref(derived) + ", " + text + ".",
                numbered);
    } else {
      const Incompat& d = incompats_[derived];
      bool collapsible = derivations_[derived] <= 1 && (IsDerived(d.left) != IsDerived(d.right)) &&
                         line_of(IsDerived(d.left) ? d.left : d.right) == 0;
      if (collapsible) {
        int inner_derived = IsDerived(d.left) ? d.left : d.right;
        int inner_external = IsDerived(d.left) ? d.right : d.left;
        Visit(inner_derived, false);
        WriteLine(index,
                  conjunction + " because " + IncompatText(inner_external) + " and " +
                      IncompatText(external) + ", " + text + ".",
                  numbered);
      } else {
        Visit(derived, false);
        WriteLine(index, conjunction + " because " + IncompatText(external) + ", " + text + ".",
                  numbered);
      }
    }
  } else {
    WriteLine(index,
              "Because " + IncompatText(left) + " and " + IncompatText(right) + ", " + text + ".",
              numbered);
  }
}

bool Solver::RestsOnNotFound(int index) const {
  const Incompat& inc = incompats_[index];
  if (inc.cause == Cause::kNotFound) return true;
  if (inc.cause != Cause::kDerived) return false;
  return RestsOnNotFound(inc.left) || RestsOnNotFound(inc.right);
}

Error Solver::Failure(int index) {
  const ErrorKind kind = RestsOnNotFound(index) ? ErrorKind::kNotFound : ErrorKind::kUnsatisfiable;
  if (!IsDerived(index)) {
    return Error("Because " + IncompatText(index) + ", version solving failed.", kind);
  }
  CountDerivations(index);
  Visit(index, false);
  size_t width = 0;
  for (const auto& [line, number] : lines_) {
    if (number > 0) width = std::max(width, std::to_string(number).size() + 3);
  }
  std::string out;
  for (size_t i = 0; i < lines_.size(); ++i) {
    const auto& [line, number] = lines_[i];
    if (i > 0) out += "\n";
    if (line.empty()) continue;
    std::string prefix;
    if (number > 0) prefix = "(" + std::to_string(number) + ") ";
    if (width > 0) prefix.resize(width, ' ');
    out += prefix + line;
  }
  return Error(out, kind);
}

}  // namespace

const ResolvedPackage* Resolution::Find(const std::string& name) const {
  for (const ResolvedPackage& p : packages) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

Result<Resolution> Resolve(Provider& provider, const ResolveRequest& request) {
  Solver solver(provider, request);
  return solver.Run();
}

}  // namespace sparkenv::resolve
