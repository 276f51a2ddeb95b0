// sparkenv build: turn a pylock.toml into an environment folder.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include "base/strings.h"
#include "command.h"
#include "env/builder.h"
#include "fetch/progress.h"

namespace sparkenv::cli {
namespace {

constexpr const char* kBuildFooter = R"(Examples:
  sparkenv build pylock.toml -o env/
  sparkenv build pylock.toml -o env/ --format tar.gz   # also env/env.tar.gz, one classic archive

Writes DIR/manifest.json and one layer per wheel (DIR/layers/<sha256>.tar.gz:
the wheel's installed tree). --format also writes every layer merged into
DIR/env/ (dir), DIR/env.tar.gz or DIR/env.zip. Wheels are verified against
the lock's sha256 and size; unsafe archives are refused. On any error the
output folder is absent or as it was. See docs/build.md.)";

struct BuildArgs {
  env::BuildOptions options;
  bool quiet = false;
};

std::string Megabytes(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return buf;
}

}  // namespace

std::function<int()> SetupBuild(CLI::App* app) {
  auto args = std::make_shared<BuildArgs>();
  app->add_option("lock", args->options.lock_path, "The lock file (pylock.toml)")->required();
  app->add_option("-o,--output", args->options.output_dir, "The environment folder to write")
      ->required();
  app->add_option("--format", args->options.format,
                  "Also write every layer merged: dir (DIR/env/), tar.gz or zip (DIR/env.*)");
  app->add_option("--cache-dir", args->options.cache_dir,
                  "Cache folder (default $SPARKENV_CACHE_DIR, else ~/.cache/sparkenv)");
  app->add_option("-j,--jobs", args->options.jobs, "Install threads (default: the cores, up to 8)");
  app->add_flag("-q,--quiet", args->quiet, "Print nothing on success");
  app->footer(kBuildFooter);
  return [args] {
    auto start = std::chrono::steady_clock::now();
    args->options.progress = !args->quiet && fetch::StderrIsTerminal();
    auto report = env::Build(args->options);
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
                << " from the cache, " << report->wheels_downloaded << " wheels downloaded ("
                << Megabytes(report->bytes_downloaded) << ")\n";
    }
    return kExitOk;
  };
}

}  // namespace sparkenv::cli
