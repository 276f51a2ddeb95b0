// The PEP 508 marker environment of one interpreter: the values of the marker
// variables (python_version, sys_platform, platform_machine, ...) for the
// *target* interpreter, which is usually not the host's.
#pragma once

#include <functional>
#include <map>
#include <string>

namespace sparkenv::spec {

// Keys are the PEP 508 variable names: os_name, sys_platform, platform_machine,
// platform_python_implementation, platform_release, platform_system,
// platform_version, python_version, python_full_version, implementation_name,
// implementation_version. A key that is absent evaluates as an error in a
// marker, never as the host's value.
using MarkerEnvironment = std::map<std::string, std::string, std::less<>>;

}  // namespace sparkenv::spec
