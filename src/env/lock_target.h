// The lock's target, for deciding whether a wheel sparkenv built (from an
// sdist, or the application) installs on it.
//
// `sparkenv lock` records the target's marker environment in full but only
// the number and sha256 of its ordered tag list ([tool.sparkenv]). The tags
// are needed only for a wheel that is not pure Python, and then they are
// found in one of two ways:
//   - given: the build's own target options (--target FILE or --python /
//     --platform ...), which must describe the lock's target (same markers,
//     same tag hash);
//   - recovered: every target `sparkenv lock` can declare for those markers
//     (CPython X.Y with each ABI, one platform: manylinux_2_5.._2_60,
//     musllinux_1_0.._1_9 or linux_<arch> on Linux; macosx 10.4..10.15 and
//     11..30 on macOS) is generated and the one whose tag list has the
//     recorded hash is kept. Targets declared with several --platform
//     options, or read from a file, are not recovered: then the build asks
//     for the target options.
// A pure wheel (every tag "<interpreter>-none-any") needs neither: it fits
// when one of its tags is among packaging's compatible_tags() for the
// target's Python version.
#pragma once

#include <optional>
#include <string>

#include "base/result.h"
#include "lock/pylock.h"
#include "spec/target.h"
#include "spec/wheel_filename.h"

namespace sparkenv::env {

// The sha256 (hex) of the target's tags joined with '\n', as the lock
// records it.
std::string TagsSha256(const spec::Target& target);

// The lock's target when it can be recovered (see above), else nullopt.
std::optional<spec::Target> RecoverTarget(const lock::SparkenvTool& tool);

// Checks that `given` describes the lock's target; the error names the
// first difference.
Status CheckGivenTarget(const spec::Target& given, const lock::SparkenvTool& tool);

// "CPython 3.11 on linux x86_64": the target in words.
std::string DescribeTarget(const spec::MarkerEnvironment& markers);

// Whether `wheel` installs on the lock's target. `given` is the build's
// target (already checked), when there is one. Errors when the wheel is not
// pure and the target's tags are unknown.
Result<bool> WheelFitsTarget(const spec::WheelFilename& wheel, const lock::SparkenvTool& tool,
                             const std::optional<spec::Target>& given);

}  // namespace sparkenv::env
