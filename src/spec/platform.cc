#include "spec/platform.h"

#include <array>

#include "base/strings.h"

namespace sparkenv::spec {
namespace {

constexpr std::array<std::string_view, 9> kLinuxArchs = {
    "x86_64", "i686", "aarch64", "armv7l", "ppc64", "ppc64le", "s390x", "riscv64", "loongarch64"};
constexpr std::array<std::string_view, 2> kMacArchs = {"x86_64", "arm64"};

constexpr std::string_view kForms =
    "expected manylinux_2_<glibc minor>_<arch>, musllinux_1_<musl minor>_<arch>, linux_<arch> "
    "or macosx_<major>_<minor>_<arch>, e.g. 'manylinux_2_28_x86_64'";

// The largest version number accepted in a platform tag: keeps expansions
// small and rules out overflow.
constexpr int kMaxVersionNumber = 99;

template <size_t N>
bool Contains(const std::array<std::string_view, N>& list, std::string_view s) {
  for (std::string_view item : list) {
    if (item == s) return true;
  }
  return false;
}

template <size_t N>
std::string ListOf(const std::array<std::string_view, N>& list) {
  std::string out;
  for (size_t i = 0; i < N; ++i) {
    if (i) out += ", ";
    out += list[i];
  }
  return out;
}

// Reads "<digits>_" from the front of `s`; returns -1 if absent or too large.
int TakeNumber(std::string_view& s) {
  size_t i = 0;
  while (i < s.size() && IsAsciiDigit(s[i])) ++i;
  if (i == 0 || i > 4 || i >= s.size() || s[i] != '_') return -1;
  int value = std::stoi(std::string(s.substr(0, i)));
  s.remove_prefix(i + 1);
  return value;
}

bool IsX86(std::string_view arch) { return arch == "x86_64" || arch == "i686"; }

int MinGlibcMinor(std::string_view arch) { return IsX86(arch) ? 5 : 17; }

std::string_view LegacyManylinuxAlias(int major, int minor) {
  if (major != 2) return "";
  if (minor == 17) return "manylinux2014";
  if (minor == 12) return "manylinux2010";
  if (minor == 5) return "manylinux1";
  return "";
}

Error UnknownTag(std::string_view tag) {
  return Error("unknown platform tag " + Quote(tag) + ": " + std::string(kForms));
}

}  // namespace

Result<Platform> Platform::Parse(std::string_view text) {
  const std::string tag = ToLowerAscii(text);
  std::string_view rest = tag;

  auto check_linux_arch = [&](std::string_view arch) -> Status {
    if (Contains(kLinuxArchs, arch)) return Status::Ok();
    return Error("unknown architecture " + Quote(arch) + " in platform tag " + Quote(text) +
                 ": expected one of " + ListOf(kLinuxArchs));
  };

  struct Legacy {
    std::string_view prefix;
    int minor;
  };
  for (const Legacy& legacy :
       {Legacy{"manylinux1_", 5}, Legacy{"manylinux2010_", 12}, Legacy{"manylinux2014_", 17}}) {
    if (!StartsWith(rest, legacy.prefix)) continue;
    std::string arch(rest.substr(legacy.prefix.size()));
    if (auto st = check_linux_arch(arch); !st) return st.error();
    if (legacy.minor < MinGlibcMinor(arch)) {
      return Error("platform tag " + Quote(text) + " does not exist: manylinux for " + arch +
                   " starts at manylinux2014 (glibc 2.17)");
    }
    return Platform(PlatformKind::kManylinux, 2, legacy.minor, arch);
  }

  if (StartsWith(rest, "manylinux_") || StartsWith(rest, "musllinux_")) {
    const bool many = StartsWith(rest, "manylinux_");
    rest.remove_prefix(10);
    int major = TakeNumber(rest);
    int minor = major < 0 ? -1 : TakeNumber(rest);
    if (major < 0 || minor < 0 || rest.empty()) return UnknownTag(text);
    std::string arch(rest);
    if (auto st = check_linux_arch(arch); !st) return st.error();
    if (many) {
      if (major != 2) {
        return Error("unsupported glibc version " + std::to_string(major) + "." +
                     std::to_string(minor) + " in platform tag " + Quote(text) +
                     ": manylinux tags are manylinux_2_<glibc minor>_<arch>");
      }
      if (minor < MinGlibcMinor(arch)) {
        return Error("platform tag " + Quote(text) + " is older than manylinux supports on " +
                     arch + ": the oldest is manylinux_2_" + std::to_string(MinGlibcMinor(arch)) +
                     "_" + arch);
      }
    } else if (major != 1) {
      return Error("unsupported musl version " + std::to_string(major) + "." +
                   std::to_string(minor) + " in platform tag " + Quote(text) +
                   ": musllinux tags are musllinux_1_<musl minor>_<arch>");
    }
    if (minor > kMaxVersionNumber) {
      return Error("platform tag " + Quote(text) + " has a " + (many ? "glibc" : "musl") +
                   " minor version above " + std::to_string(kMaxVersionNumber));
    }
    return Platform(many ? PlatformKind::kManylinux : PlatformKind::kMusllinux, major, minor, arch);
  }

  if (StartsWith(rest, "linux_")) {
    std::string arch(rest.substr(6));
    if (auto st = check_linux_arch(arch); !st) return st.error();
    return Platform(PlatformKind::kLinux, 0, 0, arch);
  }

  if (StartsWith(rest, "macosx_")) {
    rest.remove_prefix(7);
    int major = TakeNumber(rest);
    int minor = major < 0 ? -1 : TakeNumber(rest);
    if (major < 0 || minor < 0 || rest.empty()) return UnknownTag(text);
    std::string arch(rest);
    if (!Contains(kMacArchs, arch)) {
      return Error("unsupported macOS architecture " + Quote(arch) + " in platform tag " +
                   Quote(text) + ": name the machine's own architecture, one of " +
                   ListOf(kMacArchs));
    }
    if (major > kMaxVersionNumber || minor > kMaxVersionNumber) {
      return Error("platform tag " + Quote(text) + " has a macOS version number above " +
                   std::to_string(kMaxVersionNumber));
    }
    if (arch == "arm64" && major < 11) {
      return Error("platform tag " + Quote(text) +
                   " does not exist: macOS on arm64 starts at 11.0 (macosx_11_0_arm64)");
    }
    if (major < 10 || (major == 10 && minor < 4)) {
      return Error("platform tag " + Quote(text) +
                   " is older than wheels support: the oldest is macosx_10_4_x86_64");
    }
    return Platform(PlatformKind::kMacos, major, minor, arch);
  }

  return UnknownTag(text);
}

std::string Platform::ToString() const {
  const std::string v = std::to_string(major_) + "_" + std::to_string(minor_) + "_";
  switch (kind_) {
    case PlatformKind::kManylinux:
      return "manylinux_" + v + arch_;
    case PlatformKind::kMusllinux:
      return "musllinux_" + v + arch_;
    case PlatformKind::kLinux:
      return "linux_" + arch_;
    case PlatformKind::kMacos:
      return "macosx_" + v + arch_;
  }
  return "";
}

std::vector<std::string> Platform::Compatible() const {
  switch (kind_) {
    case PlatformKind::kManylinux:
      return ManylinuxPlatforms(major_, minor_, {arch_});
    case PlatformKind::kMusllinux:
      return MusllinuxPlatforms(major_, minor_, {arch_});
    case PlatformKind::kLinux:
      return {"linux_" + arch_};
    case PlatformKind::kMacos:
      return MacPlatforms(major_, minor_, arch_);
  }
  return {};
}

std::string Platform::LinuxFallback() const {
  return kind_ == PlatformKind::kMacos ? std::string() : "linux_" + arch_;
}

std::string_view Platform::sys_platform() const {
  return kind_ == PlatformKind::kMacos ? "darwin" : "linux";
}

std::string_view Platform::platform_system() const {
  return kind_ == PlatformKind::kMacos ? "Darwin" : "Linux";
}

std::vector<std::string> MacBinaryFormats(int major, int minor, std::string_view arch) {
  // Mirrors packaging.tags._mac_binary_formats; versions compare as (major, minor).
  auto below = [&](int a, int b) { return major < a || (major == a && minor < b); };
  auto above = [&](int a, int b) { return major > a || (major == a && minor > b); };
  std::vector<std::string> formats = {std::string(arch)};
  if (arch == "x86_64") {
    if (below(10, 4)) return {};
    formats.insert(formats.end(), {"intel", "fat64", "fat3"});
  } else if (arch == "i386") {
    if (below(10, 4)) return {};
    formats.insert(formats.end(), {"intel", "fat3", "fat"});
  } else if (arch == "ppc64") {
    if (above(10, 5) || below(10, 4)) return {};
    formats.push_back("fat64");
  } else if (arch == "ppc") {
    if (above(10, 6)) return {};
    formats.insert(formats.end(), {"fat3", "fat"});
  }
  if (arch == "arm64" || arch == "x86_64") formats.push_back("universal2");
  if (arch == "x86_64" || arch == "i386" || arch == "ppc64" || arch == "ppc" || arch == "intel") {
    formats.push_back("universal");
  }
  return formats;
}

std::vector<std::string> MacPlatforms(int major, int minor, std::string_view arch) {
  std::vector<std::string> out;
  auto emit = [&](int ma, int mi, std::string_view format) {
    out.push_back("macosx_" + std::to_string(ma) + "_" + std::to_string(mi) + "_" +
                  std::string(format));
  };
  if (major == 10) {
    // Before macOS 11 every yearly release bumped the minor version.
    for (int mi = minor; mi >= 0; --mi) {
      for (const std::string& format : MacBinaryFormats(10, mi, arch)) emit(10, mi, format);
    }
  }
  if (major >= 11) {
    // From macOS 11 on every yearly release bumps the major version; minor
    // versions are mid-year updates, so only X_0 is generated.
    for (int ma = major; ma > 10; --ma) {
      for (const std::string& format : MacBinaryFormats(ma, 0, arch)) emit(ma, 0, format);
    }
    // macOS 11+ on x86_64 runs binaries for 10.x; on arm64 only universal2
    // binaries can name a 10.x version (their x86_64 half).
    for (int mi = 16; mi > 3; --mi) {
      if (arch == "x86_64") {
        for (const std::string& format : MacBinaryFormats(10, mi, arch)) emit(10, mi, format);
      } else {
        emit(10, mi, "universal2");
      }
    }
  }
  return out;
}

std::vector<std::string> ManylinuxPlatforms(int glibc_major, int glibc_minor,
                                            const std::vector<std::string>& archs) {
  // The oldest glibc with manylinux wheels: 2.17 everywhere, 2.5 on x86.
  int too_old_major = 2;
  int too_old_minor = 16;
  for (const std::string& arch : archs) {
    if (IsX86(arch)) too_old_minor = 4;
  }
  // Every glibc from the given one down, assuming 50 minors for older
  // majors exactly as packaging's _LAST_GLIBC_MINOR does.
  std::vector<std::pair<int, int>> maxima = {{glibc_major, glibc_minor}};
  for (int ma = glibc_major - 1; ma > 1; --ma) maxima.emplace_back(ma, 50);

  std::vector<std::string> out;
  for (const std::string& arch : archs) {
    for (const auto& [ma, max_minor] : maxima) {
      int min_minor = ma == too_old_major ? too_old_minor : -1;
      for (int mi = max_minor; mi > min_minor; --mi) {
        out.push_back("manylinux_" + std::to_string(ma) + "_" + std::to_string(mi) + "_" + arch);
        std::string_view legacy = LegacyManylinuxAlias(ma, mi);
        if (!legacy.empty()) out.push_back(std::string(legacy) + "_" + arch);
      }
    }
  }
  return out;
}

std::vector<std::string> MusllinuxPlatforms(int musl_major, int musl_minor,
                                            const std::vector<std::string>& archs) {
  std::vector<std::string> out;
  for (const std::string& arch : archs) {
    for (int mi = musl_minor; mi >= 0; --mi) {
      out.push_back("musllinux_" + std::to_string(musl_major) + "_" + std::to_string(mi) + "_" +
                    arch);
    }
  }
  return out;
}

}  // namespace sparkenv::spec
