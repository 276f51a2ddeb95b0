// sparkenv python-package: write the Python package this build embeds.
#include "spark/python_package.h"

#include <iostream>
#include <memory>

#include "command.h"

namespace sparkenv::cli {

std::function<int()> SetupPythonPackage(CLI::App* app) {
  auto dir = std::make_shared<std::string>();
  app->add_option("-o,--output", *dir, "The folder to write into (created if missing)")->required();
  app->footer(R"(Writes DIR/sparkenv/ (the package: import sparkenv; sparkenv.activate(spark, ENV)),
DIR/sparkenv.zip (the same, for spark-submit --py-files) and DIR/activate_env.py
(the classic entry point):

  spark-submit --py-files DIR/sparkenv.zip DIR/activate_env.py ENV package.module[:function] ARGS

See docs/spark.md.)");
  return [dir] {
    Status s = spark::WritePythonPackage(*dir);
    if (!s.ok()) return ReportError(s.error());
    std::cerr << "Wrote " << *dir << "/sparkenv/, " << *dir << "/sparkenv.zip and " << *dir
              << "/activate_env.py\n";
    return kExitOk;
  };
}

}  // namespace sparkenv::cli
