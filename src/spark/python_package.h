// Writing the embedded Python package (python_sources.h) to disk: as a
// package folder, as a zip for --py-files, and the classic entry point.
//
//   DIR/sparkenv/*.py        the package (import it with DIR on sys.path)
//   DIR/sparkenv.zip         the same, for `spark-submit --py-files`
//   DIR/activate_env.py      spark-submit ... activate_env.py ENV module:function args
//
// Every file is written to a temporary name and renamed into place, so a
// reader sees either the old or the new file.
#pragma once

#include <string>

#include "base/result.h"

namespace sparkenv::spark {

// sha256 over every embedded path and its bytes: names cache folders that
// hold this build's sources.
std::string PythonSourcesHash();

// Writes the three items above into `dir` (created if missing).
Status WritePythonPackage(const std::string& dir);

// Writes `data` to `path` atomically (temporary file + rename); `mode` is
// the file's permission bits.
Status WriteFileAtomically(const std::string& path, std::string_view data, int mode = 0644);

}  // namespace sparkenv::spark
