#include "spark/launcher.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "base/strings.h"

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace sparkenv::spark {

namespace fs = std::filesystem;

namespace {

bool IsExecutable(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

}  // namespace

Getenv ProcessGetenv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

Result<std::string> FindSparkSubmit(const std::string& spark_home, const Getenv& getenv) {
  std::string home = spark_home;
  if (home.empty()) home = getenv("SPARK_HOME").value_or("");
  if (!home.empty()) {
    const std::string path = (fs::path(home) / "bin" / "spark-submit").string();
    if (IsExecutable(path)) return path;
    return Error("no spark-submit in SPARK_HOME " + Quote(home) + " (expected " + path + ")",
                 ErrorKind::kNotFound);
  }
  for (const std::string& dir : Split(getenv("PATH").value_or(""), ':')) {
    if (dir.empty()) continue;
    const std::string path = (fs::path(dir) / "spark-submit").string();
    if (IsExecutable(path)) return path;
  }
  return Error(
      "cannot find spark-submit: set SPARK_HOME, pass --spark-home, or put spark-submit "
      "on PATH",
      ErrorKind::kNotFound);
}

std::vector<std::string> MergeEnvironment(const std::vector<std::string>& base,
                                          const std::vector<Setting>& overrides) {
  std::vector<std::string> out = base;
  for (const Setting& o : overrides) {
    const std::string prefix = o.key + "=";
    bool found = false;
    for (std::string& entry : out) {
      if (!StartsWith(entry, prefix)) continue;
      found = true;
      const std::string old = entry.substr(prefix.size());
      entry = prefix + (o.key == "PYTHONPATH" && !old.empty() ? o.value + ":" + old : o.value);
    }
    if (!found) out.push_back(prefix + o.value);
  }
  return out;
}

std::vector<std::string> ProcessEnvironment() {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) out.emplace_back(*e);
  return out;
}

Error ExecProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  std::vector<char*> args = CStrings(argv);
  std::vector<char*> envp = CStrings(env);
  execve(argv[0].c_str(), args.data(), envp.data());
  return Error("cannot run " + Quote(argv[0]) + ": " + std::strerror(errno), ErrorKind::kIo);
}

Result<int> RunCapturingStdout(const std::vector<std::string>& argv,
                               const std::vector<std::string>& env, std::string* out) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return Error(std::string("cannot create a pipe: ") + std::strerror(errno), ErrorKind::kIo);
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  std::vector<char*> args = CStrings(argv);
  std::vector<char*> envp = CStrings(env);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    return Error("cannot run " + Quote(argv[0]) + ": " + std::strerror(rc), ErrorKind::kIo);
  }
  char buf[65536];
  for (;;) {
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return Error("cannot wait for " + Quote(argv[0]) + ": " + std::strerror(errno),
                   ErrorKind::kIo);
    }
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

}  // namespace sparkenv::spark
