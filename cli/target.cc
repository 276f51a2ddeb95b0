// sparkenv target show: describe the cluster's interpreter (markers and tags).
#include "spec/target.h"

#include <algorithm>
#include <iostream>
#include <memory>

#include "command.h"

namespace sparkenv::cli {
namespace {

constexpr const char* kShowFooter = R"(Examples:
  sparkenv target show --python 3.11 --platform manylinux_2_28_x86_64
  sparkenv target show --python 3.12.4 --platform musllinux_1_2_aarch64 --json
  sparkenv target show --python 3.11 --platform macosx_11_0_arm64
  sparkenv target show --target cluster-target.json

A declared target is a CPython interpreter: python_full_version defaults to
X.Y.0, platform_release and platform_version are empty. Each --platform expands
to every older compatible tag (manylinux_2_28 -> ... manylinux_2_17,
manylinux2014, ... manylinux1 on x86_64); linux_<arch> (a local build) comes
after every portable tag. --target reads sparkenv's format (the --json output)
or the output of 'pex3 interpreter inspect --markers --tags'. See docs/targets.md.)";

struct ShowArgs {
  spec::TargetOptions options;
  bool json = false;
};

void PrintHuman(const spec::Target& target) {
  size_t width = 0;
  for (const auto& [name, value] : target.markers()) width = std::max(width, name.size());
  std::cout << "Marker environment:\n";
  for (const auto& [name, value] : target.markers()) {
    std::cout << "  " << name << std::string(width - name.size(), ' ') << " = \"" << value
              << "\"\n";
  }
  const auto& tags = target.tags();
  std::cout << "\nTags, best first (" << tags.size() << "):\n";
  const size_t digits = std::to_string(tags.size()).size();
  for (size_t i = 0; i < tags.size(); ++i) {
    std::string number = std::to_string(i + 1);
    std::cout << "  " << std::string(digits - number.size(), ' ') << number << "  "
              << tags[i].ToString() << "\n";
  }
}

}  // namespace

void AddTargetOptions(CLI::App* app, spec::TargetOptions* options) {
  app->add_option("--python", options->python,
                  "Python version of the cluster's interpreter: X.Y or X.Y.Z (3.7 and later)");
  app->add_option("--implementation", options->implementation,
                  "Python implementation: cp (CPython, the default)");
  app->add_option("--platform", options->platforms,
                  "Platform tag of the cluster, e.g. manylinux_2_28_x86_64, musllinux_1_2_x86_64, "
                  "macosx_11_0_arm64; repeat for more, best first")
      ->allow_extra_args(false);
  app->add_option("--abi", options->abi,
                  "CPython ABI: cpXY (default), cpXYd (debug), cpXYt (free-threaded, 3.13+), "
                  "cp37m (3.7)");
  app->add_option("--target", options->target_file,
                  "Target file (JSON) instead of the options above: the output of "
                  "'sparkenv target show --json' or 'pex3 interpreter inspect --markers --tags'");
}

std::function<int()> SetupTarget(CLI::App* app) {
  app->require_subcommand(1);
  app->footer(std::string("Run 'sparkenv target show --help' for every option.\n\n") + kShowFooter);
  CLI::App* show =
      app->add_subcommand("show", "Print the marker environment and ordered tags of a target");
  auto args = std::make_shared<ShowArgs>();
  AddTargetOptions(show, &args->options);
  show->add_flag("--json", args->json,
                 "Print {\"markers\": {...}, \"tags\": [...]} (a target file) instead of text");
  show->footer(kShowFooter);

  return [args] {
    auto target = spec::Target::FromOptions(args->options);
    if (!target) return ReportError(target.error());
    if (args->json) {
      std::cout << target->ToJson(2) << "\n";
    } else {
      PrintHuman(*target);
    }
    return kExitOk;
  };
}

}  // namespace sparkenv::cli
