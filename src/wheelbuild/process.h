// Running a child process (the build interpreter): argv, environment,
// working folder, output to a file or captured, exit status.
//
// The child gets exactly `env` as its environment, /dev/null as stdin, and
// is killed with SIGKILL if sparkenv dies first (PR_SET_PDEATHSIG), so a
// `kill -9` of a build leaves no backend running. Everything the child
// needs is prepared before fork(), which is safe from a threaded process.
// Thread-safe: no shared state.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace sparkenv::wheelbuild {

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] is the program's path (no PATH search)
  std::vector<std::string> env;   // "KEY=value"
  std::string cwd;                // empty: the current folder
  // Where stdout and stderr go (appended; created 0644). Empty: captured
  // into ProcessResult::output, at most max_captured bytes.
  std::string log_path;
  size_t max_captured = 1 << 20;
};

struct ProcessResult {
  int exit_code = 0;  // the exit status, or 128 + the signal that killed it
  bool signaled = false;
  std::string output;  // when captured
};

// Runs the process to completion. Errors (kIo) only when it could not be
// started; a non-zero exit is a result, not an error.
Result<ProcessResult> RunProcess(const ProcessSpec& spec);

// The current environment as "KEY=value" strings.
std::vector<std::string> CurrentEnvironment();

// The value of KEY in `env`, or "" (and *found = false).
std::string EnvValue(const std::vector<std::string>& env, std::string_view key,
                     bool* found = nullptr);
// Sets (replaces or appends) KEY=value; removes KEY when `value` is null.
void SetEnv(std::vector<std::string>& env, std::string_view key, const char* value);

// The first executable `name` on the PATH of `env` ("" when none); a name
// with a '/' is returned as it is when it is executable.
std::string FindProgram(const std::string& name, const std::vector<std::string>& env);

// The last `lines` lines of `text`, each prefixed with `indent`.
std::string TailLines(const std::string& text, size_t lines, const std::string& indent);

}  // namespace sparkenv::wheelbuild
