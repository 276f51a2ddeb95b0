// sparkenv build: turn a pylock.toml into an environment folder.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include "base/strings.h"
#include "command.h"
#include "env/builder.h"
#include "fetch/progress.h"
#include "spec/target.h"

namespace sparkenv::cli {
namespace {

constexpr const char* kBuildFooter = R"(Examples:
  sparkenv build pylock.toml -o env/
  sparkenv build pylock.toml --app . -o env/            # also your project, built into a wheel
  sparkenv build pylock.toml -o env/ --format tar.gz   # also env/env.tar.gz, one classic archive

Writes DIR/manifest.json and one layer per wheel (DIR/layers/<sha256>.tar.gz:
the wheel's installed tree). --format also writes every layer merged into
DIR/env/ (dir), DIR/env.tar.gz or DIR/env.zip. Wheels and sdists are verified
against the lock's sha256 and size; unsafe archives are refused. An sdist (and
--app) is built into a wheel with the build interpreter (python3 on PATH, or
--build-python) in an isolated build environment whose build requirements
come from the lock's indexes (or --index-url, --find-links); a built wheel
that is not pure Python must fit the lock's target. On any error the output
folder is absent or as it was. Exit codes: 0 built, 1 a download or build
failed, 2 invalid input or an unsafe archive. See docs/build.md.)";

struct BuildArgs {
  env::BuildOptions options;
  spec::TargetOptions target;
  std::string index_url;
  std::vector<std::string> extra_index_urls;
  bool quiet = false;
};

std::string Megabytes(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return buf;
}

bool AnyTargetOption(const spec::TargetOptions& t) {
  return !t.python.empty() || !t.implementation.empty() || !t.platforms.empty() || !t.abi.empty() ||
         !t.target_file.empty();
}

}  // namespace

std::function<int()> SetupBuild(CLI::App* app) {
  auto args = std::make_shared<BuildArgs>();
  env::BuildOptions& o = args->options;
  app->add_option("lock", o.lock_path, "The lock file (pylock.toml)")->required();
  app->add_option("-o,--output", o.output_dir, "The environment folder to write")->required();
  app->add_option("--app", o.app_dir,
                  "Your project's folder (pyproject.toml or setup.py): built into a wheel and "
                  "added as one more layer");
  app->add_option("--format", o.format,
                  "Also write every layer merged: dir (DIR/env/), tar.gz or zip (DIR/env.*)");
  app->add_option("--build-python", o.build_python,
                  "Interpreter that builds sdists and --app (default: python3 on PATH); it must "
                  "match the lock's target");
  app->add_option("-i,--index-url", args->index_url,
                  "Index for build requirements (default: the lock's indexes)");
  app->add_option("--extra-index-url", args->extra_index_urls,
                  "More indexes for build requirements; repeatable");
  app->add_option("-f,--find-links", o.find_links,
                  "Folder or page of wheels for build requirements (added to the lock's); "
                  "repeatable");
  app->add_flag("--no-index", o.no_index, "Build requirements from --find-links only");
  AddTargetOptions(app, &args->target);
  AddCacheDirOption(app, &o.cache_dir);
  app->add_option("-j,--jobs", o.jobs, "Install threads (default: the cores, up to 8)");
  app->add_flag("-q,--quiet", args->quiet, "Print nothing on success");
  app->footer(kBuildFooter);
  return [args] {
    auto start = std::chrono::steady_clock::now();
    env::BuildOptions& options = args->options;
    options.progress = !args->quiet && fetch::StderrIsTerminal();
    if (AnyTargetOption(args->target)) options.target = args->target;
    if (!args->index_url.empty() || !args->extra_index_urls.empty()) {
      std::vector<std::string> urls;
      if (!args->index_url.empty()) urls.push_back(args->index_url);
      for (const auto& u : args->extra_index_urls) urls.push_back(u);
      options.index_urls = urls;
    }
    if (!args->quiet) options.log = [](const std::string& line) { std::cerr << line << "\n"; };
    auto report = env::Build(options);
    if (!report) return ReportError(report.error());
    if (!args->quiet) {
      double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.2fs", seconds);
      const env::Manifest& m = report->manifest;
      std::cerr << "Built environment " << m.env_id.substr(0, 12) << " (" << m.layers.size()
                << " layers, " << Megabytes(m.TotalSize()) << ") in " << buf << ": "
                << report->layers_built << " built, " << report->layers_cached
                << " from the cache, " << report->wheels_downloaded << " files downloaded ("
                << Megabytes(report->bytes_downloaded) << ")";
      if (report->sdists > 0) {
        std::cerr << ", " << report->sdists_built << " of " << report->sdists
                  << (report->sdists == 1 ? " sdist" : " sdists") << " built";
      }
      if (m.application) {
        std::cerr << ", application " << m.application->name << " " << m.application->version;
      }
      std::cerr << "\n";
    }
    return kExitOk;
  };
}

}  // namespace sparkenv::cli
