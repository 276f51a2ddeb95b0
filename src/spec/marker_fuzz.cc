// libFuzzer target: Marker::Parse on arbitrary bytes. On success the printed
// form must parse again, print identically and compare equal, and
// evaluation must not crash (it may fail with an error).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "spec/marker.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using sparkenv::spec::Marker;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sparkenv::Result<Marker> m = Marker::Parse(text);
  if (!m.ok()) {
    if (m.error().message().empty()) {
      std::abort();
    }
    return 0;
  }
  const std::string printed = m->ToString();
  sparkenv::Result<Marker> again = Marker::Parse(printed);
  if (!again.ok()) {
    std::abort();
  }
  if (again->ToString() != printed || !(*again == *m)) {
    std::abort();
  }
  sparkenv::spec::MarkerEnvironment env = {{"implementation_name", "cpython"},
                                           {"implementation_version", "3.11.4"},
                                           {"os_name", "posix"},
                                           {"platform_machine", "x86_64"},
                                           {"platform_python_implementation", "CPython"},
                                           {"platform_release", "6.1.0"},
                                           {"platform_system", "Linux"},
                                           {"platform_version", "#1 SMP"},
                                           {"python_full_version", "3.11.4"},
                                           {"python_version", "3.11"},
                                           {"sys_platform", "linux"}};
  sparkenv::Result<bool> r1 = m->Evaluate(env, {"test"});
  sparkenv::Result<bool> r2 = again->Evaluate(env, {"test"});
  if (r1.ok() != r2.ok() || (r1.ok() && *r1 != *r2)) {
    std::abort();
  }
  (void)m->EvaluateForLockFile(env, {"a"}, {"dev"});
  return 0;
}
