// Dev tool: installs one wheel into a layer folder with install::InstallWheel.
//   install_wheel WHEEL --python X.Y -o DIR [--name NAME --version VERSION]
// Without --name/--version the wheel's file name stands in for the lock.
// Prints one line per install; exit 0 ok, 2 refused (invalid input), 1 I/O.
#include <cstdio>
#include <cstring>
#include <string>

#include "install/wheel_install.h"
#include "spec/wheel_filename.h"

namespace {

int Usage() {
  std::fprintf(stderr,
               "usage: install_wheel WHEEL --python X.Y -o DIR [--name NAME --version VERSION]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sparkenv;
  std::string wheel;
  std::string out;
  std::string name;
  std::string version;
  install::InstallOptions options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&](std::string& into) {
      if (i + 1 >= argc) return false;
      into = argv[++i];
      return true;
    };
    bool ok = true;
    if (arg == "--python") {
      ok = next(options.python_version);
    } else if (arg == "-o" || arg == "--output") {
      ok = next(out);
    } else if (arg == "--name") {
      ok = next(name);
    } else if (arg == "--version") {
      ok = next(version);
    } else if (!arg.empty() && arg[0] != '-' && wheel.empty()) {
      wheel = arg;
    } else {
      ok = false;
    }
    if (!ok) return Usage();
  }
  if (wheel.empty() || out.empty() || options.python_version.empty()) return Usage();
  std::string base = wheel.substr(wheel.rfind('/') + 1);
  if (name.empty() || version.empty()) {
    auto parsed = spec::WheelFilename::Parse(base);
    if (!parsed.ok()) {
      std::fprintf(stderr, "error: %s\n", parsed.error().message().c_str());
      return 2;
    }
    if (name.empty()) name = parsed->name();
    if (version.empty()) version = parsed->version().ToString();
  }
  auto pname = spec::PackageName::Parse(name);
  auto pversion = spec::Version::Parse(version);
  if (!pname.ok() || !pversion.ok()) {
    std::fprintf(stderr, "error: %s\n",
                 (!pname.ok() ? pname.error() : pversion.error()).message().c_str());
    return 2;
  }
  auto report = install::InstallWheel(wheel, *pname, *pversion, options, out);
  if (!report.ok()) {
    std::fprintf(stderr, "error: %s\n", report.error().message().c_str());
    return report.error().kind() == ErrorKind::kInvalidInput ? 2 : 1;
  }
  for (const std::string& w : report->warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  std::printf("installed %s into %s: %llu files, %llu bytes\n", report->dist_info.c_str(),
              out.c_str(), static_cast<unsigned long long>(report->files),
              static_cast<unsigned long long>(report->bytes));
  return 0;
}
