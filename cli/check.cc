// sparkenv check: validate one packaging-standards value and show how
// sparkenv reads it (normalized form, and, given a target, how it applies).
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "command.h"
#include "spec/marker.h"
#include "spec/metadata.h"
#include "spec/requirement.h"
#include "spec/specifier.h"
#include "spec/target.h"
#include "spec/version.h"
#include "spec/wheel_filename.h"

namespace sparkenv::cli {
namespace {

constexpr const char* kFooter = R"(Kinds:
  version      a PEP 440 version            sparkenv check version 1.0RC1
  specifier    a PEP 440 specifier set      sparkenv check specifier '>=1.0,!=1.3.*' --version 1.3.2
  requirement  a PEP 508 requirement        sparkenv check requirement 'pandas[pyarrow]>=2; python_version>="3.9"'
  marker       a PEP 508 marker             sparkenv check marker 'sys_platform == "linux"' --python 3.11 --platform manylinux_2_28_x86_64
  wheel        a wheel filename             sparkenv check wheel numpy-2.1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl --python 3.11 --platform manylinux_2_28_x86_64
  metadata     a core metadata file         sparkenv check metadata path/to/METADATA

With target options (as for 'sparkenv target show'), markers and requirements
are evaluated for that target and wheels are ranked against its tags.
Invalid input exits with code 2 and a message naming the rule it broke.)";

struct CheckArgs {
  std::string kind;
  std::string value;
  std::string version;  // for specifier: test membership
  std::vector<std::string> extras;
  spec::TargetOptions target;
};

bool HasTarget(const spec::TargetOptions& o) {
  return !o.python.empty() || !o.platforms.empty() || !o.target_file.empty();
}

Result<std::optional<spec::Target>> MaybeTarget(const CheckArgs& args) {
  if (!HasTarget(args.target)) return std::optional<spec::Target>();
  auto target = spec::Target::FromOptions(args.target);
  if (!target) return target.error();
  return std::optional<spec::Target>(std::move(target).value());
}

int CheckVersion(const CheckArgs& args) {
  auto v = spec::Version::Parse(args.value);
  if (!v) return ReportError(v.error());
  std::cout << "version: " << v->ToString() << "\n";
  std::cout << "pre-release: " << (v->is_prerelease() ? "yes" : "no") << "\n";
  return kExitOk;
}

int CheckSpecifier(const CheckArgs& args) {
  auto set = spec::SpecifierSet::Parse(args.value);
  if (!set) return ReportError(set.error());
  std::cout << "specifier: " << set->ToString() << "\n";
  if (args.version.empty()) return kExitOk;
  auto v = spec::Version::Parse(args.version);
  if (!v) return ReportError(v.error());
  const bool contains = set->Contains(*v);
  std::cout << v->ToString() << (contains ? " matches\n" : " does not match\n");
  return contains ? kExitOk : kExitFailure;
}

int CheckRequirement(const CheckArgs& args) {
  auto req = spec::Requirement::Parse(args.value);
  if (!req) return ReportError(req.error());
  auto target = MaybeTarget(args);
  if (!target) return ReportError(target.error());
  std::cout << "requirement: " << req->ToString() << "\n";
  std::cout << "name: " << req->normalized_name() << "\n";
  if (req->marker() && target->has_value()) {
    auto applies = req->EvaluateMarker((*target)->markers(), args.extras);
    if (!applies) return ReportError(applies.error());
    std::cout << "applies to the target: " << (*applies ? "yes" : "no") << "\n";
  }
  return kExitOk;
}

int CheckMarker(const CheckArgs& args) {
  auto marker = spec::Marker::Parse(args.value);
  if (!marker) return ReportError(marker.error());
  auto target = MaybeTarget(args);
  if (!target) return ReportError(target.error());
  std::cout << "marker: " << marker->ToString() << "\n";
  if (!target->has_value()) return kExitOk;
  auto value = marker->Evaluate((*target)->markers(), args.extras);
  if (!value) return ReportError(value.error());
  std::cout << "value for the target: " << (*value ? "true" : "false") << "\n";
  return kExitOk;
}

int CheckWheel(const CheckArgs& args) {
  auto wheel = spec::WheelFilename::Parse(args.value);
  if (!wheel) return ReportError(wheel.error());
  auto target = MaybeTarget(args);
  if (!target) return ReportError(target.error());
  std::cout << "project: " << wheel->name() << "\nversion: " << wheel->version().ToString() << "\n";
  if (!target->has_value()) return kExitOk;
  auto rank = wheel->Rank(**target);
  if (!rank) {
    std::cout << "not compatible with the target\n";
    return kExitFailure;
  }
  std::cout << "compatible with the target: best tag is number " << *rank + 1 << " of "
            << (*target)->tags().size() << " (" << (*target)->tags()[*rank].ToString() << ")\n";
  return kExitOk;
}

int CheckMetadata(const CheckArgs& args) {
  std::ifstream in(args.value, std::ios::binary);
  if (!in) return ReportError(Error("cannot read metadata file '" + args.value + "'"));
  std::stringstream text;
  text << in.rdbuf();
  auto metadata = spec::Metadata::Parse(text.str());
  if (!metadata) return ReportError(metadata.error().Wrap(args.value));
  std::cout << "name: " << metadata->name() << "\nversion: " << metadata->version().ToString()
            << "\nmetadata-version: " << metadata->metadata_version() << "\n";
  if (metadata->requires_python()) {
    std::cout << "requires-python: " << metadata->requires_python()->ToString() << "\n";
  }
  for (const auto& extra : metadata->provides_extra()) std::cout << "extra: " << extra << "\n";
  for (const auto& req : metadata->requires_dist()) {
    std::cout << "requires: " << req.ToString() << "\n";
  }
  return kExitOk;
}

}  // namespace

std::function<int()> SetupCheck(CLI::App* app) {
  auto args = std::make_shared<CheckArgs>();
  app->add_option("kind", args->kind, "version, specifier, requirement, marker, wheel or metadata")
      ->required()
      ->check(
          CLI::IsMember({"version", "specifier", "requirement", "marker", "wheel", "metadata"}));
  app->add_option("value", args->value, "The text to check (for metadata: a file path)")
      ->required();
  app->add_option("--version", args->version, "With 'specifier': test whether it contains VERSION");
  app->add_option("--extra", args->extras, "Requested extra (repeatable), for markers");
  AddTargetOptions(app, &args->target);
  app->footer(kFooter);
  return [args] {
    if (args->kind == "version") return CheckVersion(*args);
    if (args->kind == "specifier") return CheckSpecifier(*args);
    if (args->kind == "requirement") return CheckRequirement(*args);
    if (args->kind == "marker") return CheckMarker(*args);
    if (args->kind == "wheel") return CheckWheel(*args);
    return CheckMetadata(*args);
  };
}

}  // namespace sparkenv::cli
