// sparkenv: isolated, reproducible Python environments for PySpark.
#include <cstdio>
#include <iostream>
#include <string>

#include "command.h"

namespace sparkenv::cli {

int ExitCodeFor(const Error& error) {
  switch (error.kind()) {
    case ErrorKind::kInvalidInput:
      return kExitUsage;
    case ErrorKind::kInternal:
      return kExitInternal;
    case ErrorKind::kNotFound:
    case ErrorKind::kIo:
    case ErrorKind::kUnsatisfiable:
      return kExitFailure;
  }
  return kExitInternal;
}

int ReportError(const Error& error) {
  std::cerr << "sparkenv: error: " << error.message() << "\n";
  return ExitCodeFor(error);
}

namespace {

const std::vector<Command>& Commands() {
  static const std::vector<Command> commands = {
      {"target", "Describe the cluster's interpreter and platform (markers and tags)", SetupTarget},
      {"check", "Validate a version, specifier, requirement, marker, wheel filename or METADATA",
       SetupCheck},
      {"lock", "Resolve requirements for the target and write a PEP 751 pylock.toml", SetupLock},
      {"build", "Fetch, verify and install a lock's wheels into an environment folder", SetupBuild},
      {"push", "Publish an environment to a store (only what the store lacks)", SetupPush},
      {"ls", "List a store's tags and environments", SetupLs},
      {"show", "Show an environment's target, packages and sizes", SetupShow},
      {"diff", "Compare two environments package by package", SetupDiff},
      {"pull", "Copy an environment from a store into a local folder", SetupPull},
      {"rm", "Remove a tag or an environment from a store", SetupRm},
      {"gc", "Remove unreferenced blobs and stale temporary objects from a store", SetupGc},
      {"cache", "Show or clean the download cache (dir, info, clean)", SetupCache},
      {"submit", "Run spark-submit with an environment active on the driver and the executors",
       SetupSubmit},
      {"spark-conf", "Print the Spark settings that activate an environment (for your launcher)",
       SetupSparkConf},
      {"python-package", "Write the Python package (sparkenv.activate) and activate_env.py",
       SetupPythonPackage},
  };
  return commands;
}

int Main(int argc, char** argv) {
  CLI::App app{"sparkenv: isolated, reproducible Python environments for PySpark", "sparkenv"};
  app.set_version_flag("--version", std::string("sparkenv ") + SPARKENV_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);

  std::function<int()> action;
  for (const Command& command : Commands()) {
    CLI::App* sub = app.add_subcommand(std::string(command.name), std::string(command.summary));
    auto run = command.setup(sub);
    sub->callback([&action, run] { action = run; });
  }
  CLI::App* help = app.add_subcommand("help", "Show help for sparkenv or one of its commands");
  std::vector<std::string> help_topic;
  help->add_option("command", help_topic, "Command to describe");
  help->callback([&] {
    action = [&]() {
      if (help_topic.empty()) {
        // Not app.help(): it forwards to the selected subcommand, "help".
        std::cout << app.get_formatter()->make_help(&app, "sparkenv", CLI::AppFormatMode::Normal);
        return kExitOk;
      }
      for (const Command& command : Commands()) {
        if (command.name == help_topic[0]) {
          std::cout << app.get_subcommand(help_topic[0])->help();
          return kExitOk;
        }
      }
      return ReportError(
          Error("unknown command '" + help_topic[0] + "'; run 'sparkenv help' for the list"));
    };
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "sparkenv: error: " << e.what() << "\n";
    return kExitUsage;
  }
  return action ? action() : kExitOk;
}

}  // namespace
}  // namespace sparkenv::cli

int main(int argc, char** argv) {
  try {
    return sparkenv::cli::Main(argc, argv);
  } catch (const std::exception& e) {
    // No library module throws; this catches std::bad_alloc and CLI11 misuse.
    std::cerr << "sparkenv: internal error: " << e.what() << "\n";
    return sparkenv::cli::kExitInternal;
  }
}
