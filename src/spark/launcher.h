// Finding and running spark-submit.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "spark/settings.h"

namespace sparkenv::spark {

using Getenv = std::function<std::optional<std::string>(const std::string&)>;

// The environment of this process (std::getenv).
Getenv ProcessGetenv();

// spark-submit: SPARK_HOME/bin/spark-submit when `spark_home` (an option)
// or $SPARK_HOME names a folder, else the first spark-submit on PATH.
Result<std::string> FindSparkSubmit(const std::string& spark_home, const Getenv& getenv);

// `base` ("K=V" strings) with `overrides` applied: PYTHONPATH is prepended
// to an existing value (the environment first), anything else replaced.
std::vector<std::string> MergeEnvironment(const std::vector<std::string>& base,
                                          const std::vector<Setting>& overrides);

// This process's environment as "K=V" strings.
std::vector<std::string> ProcessEnvironment();

// Replaces this process with `argv` (execv, environment `env`). Returns
// only on failure.
Error ExecProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env);

// Runs `argv` with environment `env`, stdin from /dev/null, stderr
// inherited, stdout into *out; returns the exit status (128 + signal when
// killed).
Result<int> RunCapturingStdout(const std::vector<std::string>& argv,
                               const std::vector<std::string>& env, std::string* out);

}  // namespace sparkenv::spark
