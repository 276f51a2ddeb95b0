// The build interpreter: a Python on this machine that runs PEP 517 build
// backends, described as a spec::Target so that its build requirements can
// be resolved for it like any lock.
//
// Probe() runs `PYTHON -I -S -c <script>` once: the script prints the PEP 508
// marker environment (the values packaging.markers.default_environment()
// gives), the interpreter's path and ABI flags, and the libc (glibc version
// from os.confstr, else musl from the dynamic loader's banner) or the macOS
// version. The tags are then those of a declared target
// (spec::Target::Declare) for that Python and the machine's platform
// (manylinux_2_<glibc minor>_<arch>, musllinux_1_<minor>_<arch>,
// macosx_<major>_<minor>_<arch>), with the probed markers.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "spec/target.h"

namespace sparkenv::wheelbuild {

struct Interpreter {
  std::string path;        // what was run (absolute)
  std::string executable;  // sys.executable
  spec::Target target;
  // "CPython 3.11.2 on linux x86_64": for messages.
  std::string Describe() const;
};

// Runs `python` (a path, or a name looked up on PATH, e.g. "python3").
// Errors name the interpreter: not found, not runnable, not CPython 3.7+.
Result<Interpreter> ProbeInterpreter(const std::string& python,
                                     const std::vector<std::string>& env);

// Whether a built wheel's target-relevant facts match: implementation,
// python_version, sys_platform and platform_machine of the markers. On a
// mismatch, the first differing key as "python_version '3.11' (target
// '3.12')".
std::string MarkerMismatch(const spec::MarkerEnvironment& interpreter,
                           const spec::MarkerEnvironment& target);

}  // namespace sparkenv::wheelbuild
