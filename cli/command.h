// The subcommand table. Each subcommand lives in its own cli/<name>.cc and
// does argument handling only: it parses its options with CLI11, calls into
// the library modules, prints, and maps errors to exit codes.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sparkenv::spec {
struct TargetOptions;
}  // namespace sparkenv::spec

namespace sparkenv::cli {

// Exit codes: 0 success, 1 an operation failed, 2 bad input (usage, invalid
// files or values), 70 an internal error.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInternal = 70;

int ExitCodeFor(const Error& error);
// Prints "sparkenv: error: <message>" to stderr and returns ExitCodeFor(error).
int ReportError(const Error& error);

// Configures `app` (a subcommand) and returns the action to run once the
// command line has been parsed. The action returns the process exit code.
using Setup = std::function<std::function<int()>(CLI::App* app)>;

struct Command {
  std::string_view name;
  std::string_view summary;
  Setup setup;
};

// Defined in each subcommand's file.
std::function<int()> SetupTarget(CLI::App* app);
std::function<int()> SetupCheck(CLI::App* app);
std::function<int()> SetupLock(CLI::App* app);
std::function<int()> SetupCache(CLI::App* app);
std::function<int()> SetupBuild(CLI::App* app);
std::function<int()> SetupSubmit(CLI::App* app);
std::function<int()> SetupSparkConf(CLI::App* app);
std::function<int()> SetupPythonPackage(CLI::App* app);

// Adds the target options (--python, --implementation, --platform, --abi,
// --target) to any command that resolves or installs for a target; pass the
// filled options to spec::Target::FromOptions. Defined in target.cc.
void AddTargetOptions(CLI::App* app, spec::TargetOptions* options);

}  // namespace sparkenv::cli
