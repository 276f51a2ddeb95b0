// The Python package (python/sparkenv/*.py), embedded in the tool at build
// time (cmake/EmbedPython.cmake), so that `sparkenv python-package`, the
// bootstrap of `submit` / `spark-conf` and `target probe` write exactly the
// sources this build was made with.
#pragma once

#include <string_view>
#include <vector>

namespace sparkenv::spark {

struct EmbeddedFile {
  std::string_view path;  // relative to python/: "sparkenv/__init__.py"
  std::string_view data;
};

// Every embedded file, sorted by path. Defined in the generated source.
const std::vector<EmbeddedFile>& PythonSources();

}  // namespace sparkenv::spark
