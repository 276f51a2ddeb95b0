// sparkenv lock: resolve requirements for the target and write pylock.toml.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "base/strings.h"
#include "command.h"
#include "inputs/file_system.h"
#include "lock/pylock.h"
#include "locking/locker.h"
#include "spec/target.h"

namespace sparkenv::cli {
namespace {

constexpr const char* kLockFooter = R"(Examples:
  sparkenv lock numpy pandas --python 3.11 --platform manylinux_2_28_x86_64
  sparkenv lock -r requirements.txt -c constraints.txt --python 3.12 --platform manylinux_2_28_aarch64
  sparkenv lock -r pyproject.toml --extra ml --target cluster-target.json -o cluster.pylock.toml
  sparkenv lock -r requirements.txt --python 3.11 --platform manylinux_2_28_x86_64 --check

Resolves for the target interpreter and platform, never the host's. Writes a
PEP 751 lock (one wheel per package: the best one for the target) atomically;
on any error nothing is written. Exit codes: 0 done (or up to date with
--check), 1 no solution, an unknown package, an unreachable index or a stale
lock, 2 invalid input. See docs/lock.md.)";

struct LockCommandArgs {
  locking::LockArgs lock;
  spec::TargetOptions target;
  locking::NetworkOptions network;
  std::string index_url;
  std::string output = "pylock.toml";
  bool check = false;
  bool quiet = false;
  bool verbose = false;
};

Status WriteAtomically(const std::string& path, const std::string& content) {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::string tmp =
      (dir / ("." + target.filename().string() + ".tmp-" +
              std::to_string(static_cast<long>(getpid()))))  // NOLINT(google-runtime-int)
          .string();
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Error("cannot write " + Quote(tmp), ErrorKind::kIo);
    out << content;
    out.flush();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      return Error("cannot write " + Quote(tmp), ErrorKind::kIo);
    }
  }
  std::error_code ec;
  fs::rename(tmp, target, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return Error("cannot write " + Quote(path) + ": " + ec.message(), ErrorKind::kIo);
  }
  return Status();
}

int Run(LockCommandArgs& args) {
  auto start = std::chrono::steady_clock::now();
  if (!args.index_url.empty()) args.lock.index_url = args.index_url;
  auto target = spec::Target::FromOptions(args.target);
  if (!target) return ReportError(target.error());
  inputs::DiskFileSystem fs;
  inputs::ProcessEnvironment env;
  auto gathered = locking::GatherInputs(args.lock, fs, env);
  if (!gathered) return ReportError(gathered.error());

  if (args.check) {
    std::string path = args.output == "-" ? std::string("pylock.toml") : args.output;
    auto text = fs.ReadFile(path);
    if (!text) return ReportError(text.error());
    auto existing = lock::ReadLock(*text, path);
    if (!existing) return ReportError(existing.error());
    auto reason = locking::CheckLock(*existing, *gathered, *target, args.network);
    if (!reason) return ReportError(reason.error());
    if (*reason) {
      std::cerr << path << " is out of date: " << **reason << "\n";
      return kExitFailure;
    }
    if (!args.quiet) std::cerr << path << " is up to date\n";
    return kExitOk;
  }

  auto result = locking::Lock(*gathered, *target, args.network);
  if (!result) {
    const Error& e = result.error();
    if (e.kind() == ErrorKind::kUnsatisfiable) {
      return ReportError(Error("no solution found for the target (" +
                                   locking::EnvironmentMarker(*target) + "):\n" + e.message(),
                               e.kind()));
    }
    return ReportError(e);
  }
  auto text = lock::WriteLock(result->lock, args.output == "-" ? "pylock.toml" : args.output);
  if (!text) return ReportError(text.error());
  if (args.output == "-") {
    std::cout << *text;
    std::cout.flush();
  } else {
    Status s = WriteAtomically(args.output, *text);
    if (!s.ok()) return ReportError(s.error());
  }
  if (!args.quiet) {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2fs", seconds);
    std::cerr << "Resolved " << result->stats.packages << " package"
              << (result->stats.packages == 1 ? "" : "s") << " in " << buf << "\n";
    if (args.verbose) {
      std::cerr << "  project pages: " << result->stats.pages
                << ", metadata: " << result->stats.metadata
                << " (fetched ahead: " << result->stats.metadata_prefetched << ")\n";
    }
  }
  return kExitOk;
}

}  // namespace

std::function<int()> SetupLock(CLI::App* app) {
  auto args = std::make_shared<LockCommandArgs>();
  app->add_option("requirements", args->lock.requirements,
                  "Requirements (PEP 508), e.g. 'pandas>=2' numpy");
  app->add_option("-r,--requirement", args->lock.requirement_files,
                  "Requirements file (pip's format), or a pyproject.toml; repeatable")
      ->allow_extra_args(false);
  app->add_option("-c,--constraint", args->lock.constraint_files,
                  "Constraints file: limits versions, adds nothing; repeatable")
      ->allow_extra_args(false);
  app->add_option("--extra", args->lock.extras,
                  "Optional dependencies of the pyproject.toml to include; repeatable")
      ->allow_extra_args(false);
  app->add_option("-i,--index-url", args->index_url,
                  "Package index (PEP 503/691 simple API); default $SPARKENV_INDEX_URL or "
                  "https://pypi.org/simple/");
  app->add_option("--extra-index-url", args->lock.extra_index_urls,
                  "More indexes, asked in order after --index-url (first index with the "
                  "project wins); repeatable")
      ->allow_extra_args(false);
  app->add_option("-f,--find-links", args->lock.find_links,
                  "Folder or HTML page of wheels and sdists; repeatable")
      ->allow_extra_args(false);
  app->add_flag("--no-index", args->lock.no_index, "Use no index, only --find-links");
  AddTargetOptions(app, &args->target);
  app->add_option("--resolution", args->lock.resolution,
                  "highest (default), lowest, or lowest-direct (lowest for direct requirements)");
  app->add_option("--prerelease", args->lock.prerelease,
                  "if-necessary-or-explicit (default: pip's rule) or allow");
  app->add_flag("--offline", args->network.offline, "Use only the cache; no network");
  app->add_flag("--refresh", args->network.refresh, "Revalidate every cached index page");
  AddCacheDirOption(app, &args->network.cache_dir);
  app->add_option("-o,--output", args->output,
                  "Lock file to write (default pylock.toml; '-': stdout)");
  app->add_flag("--check", args->check,
                "Only check that the lock (-o) still satisfies the inputs; write nothing");
  app->add_flag("-q,--quiet", args->quiet, "Print nothing on success");
  app->add_flag("-v,--verbose", args->verbose, "Print what was fetched");
  app->footer(kLockFooter);
  return [args] { return Run(*args); };
}

}  // namespace sparkenv::cli
