// A declared target platform ("manylinux_2_28_x86_64", "macosx_11_0_arm64")
// and the ordered list of platform tags a machine of that kind accepts.
//
// Accepted forms (case-insensitive, normalized to lower case):
//   manylinux_2_<minor>_<arch>     glibc 2.<minor> (PEP 600); minor >= 5 on
//                                  x86_64/i686, >= 17 on other architectures
//   manylinux1_<arch>, manylinux2010_<arch>, manylinux2014_<arch>
//                                  legacy aliases of manylinux_2_5/_2_12/_2_17
//   musllinux_1_<minor>_<arch>     musl 1.<minor> (PEP 656)
//   linux_<arch>                   a local, non-portable Linux build only
//   macosx_<major>_<minor>_<arch>  macOS 10.4+ on x86_64, 11.0+ on arm64
// <arch> for Linux is one of x86_64, i686, aarch64, armv7l, ppc64, ppc64le,
// s390x, riscv64, loongarch64; for macOS x86_64 or arm64 (the machine's own
// architecture, never a fat format such as universal2).
//
// Expansion (Compatible()) follows packaging 26.3 exactly:
//   manylinux_2_X_a -> manylinux_2_X_a .. manylinux_2_5_a (x86_64, i686) or
//                      .. manylinux_2_17_a (others), each legacy alias right
//                      after its manylinux_2_{17,12,5} tag
//                      (packaging._manylinux.platform_tags)
//   musllinux_1_X_a -> musllinux_1_X_a .. musllinux_1_0_a
//                      (packaging._musllinux.platform_tags)
//   macosx_X_Y_a    -> packaging.tags.mac_platforms(version=(X, Y), arch=a)
//   linux_a         -> linux_a
// The linux_<arch> fallback that a manylinux or musllinux machine also
// accepts is NOT part of Compatible(): the target appends it after every
// portable tag (see docs/targets.md, "linux_* wheels").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sparkenv::spec {

enum class PlatformKind { kManylinux, kMusllinux, kLinux, kMacos };

class Platform {
 public:
  // Parses a platform tag; the error names the tag and the rule it broke.
  static Result<Platform> Parse(std::string_view tag);

  PlatformKind kind() const { return kind_; }
  // The libc (glibc, musl) or macOS version; 0.0 for linux_<arch>.
  int major() const { return major_; }
  int minor() const { return minor_; }
  // The machine architecture as platform_machine reports it ("x86_64",
  // "aarch64", "arm64").
  const std::string& arch() const { return arch_; }

  // The canonical tag: legacy manylinux aliases are spelled manylinux_2_X.
  std::string ToString() const;

  // The compatible platform tags, best first (see the file comment).
  std::vector<std::string> Compatible() const;

  // "linux_<arch>" for the Linux kinds, "" for macOS.
  std::string LinuxFallback() const;

  // PEP 508 marker values that follow from the platform.
  std::string_view sys_platform() const;     // "linux" or "darwin"
  std::string_view platform_system() const;  // "Linux" or "Darwin"
  std::string_view os_name() const { return "posix"; }

  bool operator==(const Platform&) const = default;

 private:
  Platform(PlatformKind kind, int major, int minor, std::string arch)
      : kind_(kind), major_(major), minor_(minor), arch_(std::move(arch)) {}

  PlatformKind kind_;
  int major_;
  int minor_;
  std::string arch_;
};

// packaging.tags._mac_binary_formats(version, arch): the binary formats a
// macOS <major>.<minor> machine of `arch` loads, best first.
std::vector<std::string> MacBinaryFormats(int major, int minor, std::string_view arch);

// packaging.tags.mac_platforms(version=(major, minor), arch=arch).
std::vector<std::string> MacPlatforms(int major, int minor, std::string_view arch);

// packaging._manylinux.platform_tags(archs) on a machine with glibc
// <glibc_major>.<glibc_minor> where every manylinux level up to it is
// compatible (nothing is probed).
std::vector<std::string> ManylinuxPlatforms(int glibc_major, int glibc_minor,
                                            const std::vector<std::string>& archs);

// packaging._musllinux.platform_tags(archs) with musl <major>.<minor>.
std::vector<std::string> MusllinuxPlatforms(int musl_major, int musl_minor,
                                            const std::vector<std::string>& archs);

}  // namespace sparkenv::spec
