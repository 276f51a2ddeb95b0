// A PEP 517 build frontend: builds a wheel from a source tree (an unpacked
// sdist, or the user's own project) with the build interpreter, in an
// isolated build environment that sparkenv provisions itself.
//
//   1. the tree's build system (build_system.h: pyproject.toml's
//      [build-system], or setuptools' legacy backend);
//   2. its requirements are resolved for the *build interpreter*
//      (locking::Lock with the interpreter's target, the given indexes and
//      find-links, wheels only: build requirements are never built from
//      source) and each wheel is fetched (verified, cached) and installed
//      with sparkenv's own installer into work_dir/env-N/<package>/;
//   3. the hooks run in a child process, `PYTHON -I -S driver.py`: no user
//      site, no PYTHON* variables, no site-packages of the interpreter; the
//      driver adds only the build environment's folders (site.addsitedir, so
//      their .pth files apply) and the backend-path, imports the backend and
//      calls get_requires_for_build_wheel (what it asks for is added to the
//      environment, which is provisioned again) and build_wheel;
//   4. the child's working folder is the source tree; its output goes to
//      work_dir/<hook>.log and the last lines of it are in the error when a
//      hook fails. SOURCE_DATE_EPOCH is set (to 1980-01-01, unless the
//      caller's environment has it) so that backends that honour it
//      (setuptools, flit, hatchling) write reproducible wheels.
// Not thread-safe per object; separate WheelBuilders may run in parallel.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/result.h"
#include "index/index_client.h"
#include "wheelbuild/interpreter.h"

namespace sparkenv::wheelbuild {

struct WheelBuilderOptions {
  index::IndexOptions index;  // where build requirements come from
  std::string cache_dir;      // the cache root (HTTP cache, blobs)
  bool offline = false;
  bool progress = false;  // progress bars while fetching build requirements
};

struct BuildRequest {
  std::string source_dir;  // the project's folder (holds pyproject.toml or setup.py)
  std::string what;        // names the source in messages: "'tomli-2.2.1.tar.gz'"
  std::string work_dir;    // an empty folder for the environment, logs and the wheel
};

struct BuiltWheel {
  std::string path;      // work_dir/wheel/<filename>
  std::string filename;  // as the backend named it
  std::string backend;
  std::vector<std::string> build_requirements;  // "name==version" installed, sorted
};

class WheelBuilder {
 public:
  WheelBuilder(Interpreter python, WheelBuilderOptions options)
      : python_(std::move(python)), options_(std::move(options)) {}

  // Errors: kInvalidInput for a tree that cannot be built as given (bad
  // pyproject.toml, a backend that fails or returns no wheel), kNotFound /
  // kUnsatisfiable when build requirements cannot be had, kIo for the rest.
  Result<BuiltWheel> Build(const BuildRequest& request);

  const Interpreter& interpreter() const { return python_; }

 private:
  Interpreter python_;
  WheelBuilderOptions options_;
};

}  // namespace sparkenv::wheelbuild
