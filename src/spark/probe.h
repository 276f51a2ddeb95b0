// `sparkenv target probe`: what the probe application (python/sparkenv/
// _probe.py) reports about the driver's and the executors' interpreters,
// and the target it makes of them.
//
// The target is what `--python X.Y.Z --platform <the probed platform>`
// declares (spec::Target::Declare), for the interpreter every executor
// runs: CPython X.Y.Z with its ABI (free-threaded, debug) on
// manylinux_2_<glibc minor>_<machine>, musllinux_1_<musl minor>_<machine>
// or macosx_<major>_<minor>_<machine>. A probed target and the equivalent
// declared one are therefore the same target, and give the same lock. Like
// a declared target it leaves platform_release and platform_version empty:
// they name each node's kernel, differ between otherwise identical nodes,
// and are not part of what an interpreter can install.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "spec/target.h"

namespace sparkenv::spark {

inline constexpr char kProbeMarker[] = "SPARKENV-PROBE ";

struct InterpreterFacts {
  std::string implementation_name;
  std::string python_full_version;
  std::string python_version;
  std::string sys_platform;
  std::string platform_machine;
  std::string platform_system;
  std::string os_name;
  std::string platform_python_implementation;
  std::string implementation_version;
  std::string abiflags;
  bool free_threaded = false;
  std::string libc;  // "glibc", "musl", "macos" or "" (unknown)
  int libc_major = 0;
  int libc_minor = 0;
  std::string executable;
  std::string host;
  std::string executor_id;  // tasks only

  // What makes two interpreters install different wheels.
  std::string Key() const;
  // "CPython 3.11.7 on linux x86_64 with glibc 2.36"
  std::string Describe() const;
};

struct ProbeResult {
  std::string master;
  std::string spark_version;
  InterpreterFacts driver;
  std::vector<InterpreterFacts> tasks;
};

// Finds the probe's line in spark-submit's standard output and reads it.
Result<ProbeResult> ParseProbeOutput(std::string_view output);

struct ProbedTarget {
  spec::TargetOptions declared;  // the equivalent --python / --platform / --abi
  spec::Target target;
  std::string report;  // what was found, for the user
};

// The executors' target. Errors: executors running different interpreters
// (a report of each group and where it runs), an interpreter a declared
// target cannot describe (not CPython, an unknown C library).
Result<ProbedTarget> TargetFromProbe(const ProbeResult& probe);

}  // namespace sparkenv::spark
