// sparkenv target show: describe the cluster's interpreter.
#include <iostream>

#include "command.h"

namespace sparkenv::cli {

std::function<int()> SetupTarget(CLI::App* app) {
  app->require_subcommand(1);
  CLI::App* show =
      app->add_subcommand("show", "Print the marker environment and ordered tags of a target");
  (void)show;
  return [] {
    return ReportError(Error("'target show' is not implemented yet", ErrorKind::kInternal));
  };
}

}  // namespace sparkenv::cli
