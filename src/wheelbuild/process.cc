#include "wheelbuild/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/strings.h"

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace sparkenv::wheelbuild {
namespace {

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { Reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void Reset(int fd = -1) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

}  // namespace

Result<ProcessResult> RunProcess(const ProcessSpec& spec) {
  if (spec.argv.empty()) return Error("internal: no program to run", ErrorKind::kInternal);
  const std::string program = spec.argv.front();
  std::vector<char*> argv = CStrings(spec.argv);
  std::vector<char*> envp = CStrings(spec.env);

  Fd null_in(open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (null_in.get() < 0) {
    return Error(std::string("cannot open /dev/null: ") + std::strerror(errno), ErrorKind::kIo);
  }
  Fd out_write;
  Fd out_read;
  if (!spec.log_path.empty()) {
    out_write.Reset(open(spec.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (out_write.get() < 0) {
      return Error("cannot write " + Quote(spec.log_path) + ": " + std::strerror(errno),
                   ErrorKind::kIo);
    }
  } else {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      return Error(std::string("cannot create a pipe: ") + std::strerror(errno), ErrorKind::kIo);
    }
    out_read.Reset(fds[0]);
    out_write.Reset(fds[1]);
  }
  // A pipe that reports exec failures (closed by a successful exec).
  int status_fds[2];
  if (pipe2(status_fds, O_CLOEXEC) != 0) {
    return Error(std::string("cannot create a pipe: ") + std::strerror(errno), ErrorKind::kIo);
  }
  Fd status_read(status_fds[0]);
  Fd status_write(status_fds[1]);
  const pid_t parent = getpid();
  const char* cwd = spec.cwd.empty() ? nullptr : spec.cwd.c_str();

  pid_t pid = fork();
  if (pid < 0) {
    return Error("cannot start " + Quote(program) + ": " + std::strerror(errno), ErrorKind::kIo);
  }
  if (pid == 0) {
    // The child: async-signal-safe calls only.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    bool ok = dup2(null_in.get(), 0) >= 0 && dup2(out_write.get(), 1) >= 0 &&
              dup2(out_write.get(), 2) >= 0 && (cwd == nullptr || chdir(cwd) == 0);
    if (ok) execve(program.c_str(), argv.data(), envp.data());
    int err = errno;
    ssize_t ignored = write(status_write.get(), &err, sizeof err);
    (void)ignored;
    _exit(127);
  }
  status_write.Reset();
  out_write.Reset();

  ProcessResult result;
  if (out_read.get() >= 0) {
    char buf[65536];
    for (;;) {
      ssize_t n = read(out_read.get(), buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      size_t room = spec.max_captured - std::min(spec.max_captured, result.output.size());
      result.output.append(buf, std::min(room, static_cast<size_t>(n)));
    }
  }
  int child_errno = 0;
  ssize_t n;
  do {
    n = read(status_read.get(), &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return Error("cannot wait for " + Quote(program) + ": " + std::strerror(errno),
                   ErrorKind::kIo);
    }
  }
  if (n == static_cast<ssize_t>(sizeof child_errno)) {
    return Error("cannot run " + Quote(program) + ": " + std::strerror(child_errno),
                 child_errno == ENOENT ? ErrorKind::kNotFound : ErrorKind::kIo);
  }
  if (WIFSIGNALED(status)) {
    result.signaled = true;
    result.exit_code = 128 + WTERMSIG(status);
  } else {
    result.exit_code = WEXITSTATUS(status);
  }
  return result;
}

std::vector<std::string> CurrentEnvironment() {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) out.emplace_back(*e);
  return out;
}

std::string EnvValue(const std::vector<std::string>& env, std::string_view key, bool* found) {
  for (const std::string& e : env) {
    if (e.size() > key.size() && e[key.size()] == '=' && std::string_view(e).starts_with(key)) {
      if (found != nullptr) *found = true;
      return e.substr(key.size() + 1);
    }
  }
  if (found != nullptr) *found = false;
  return "";
}

void SetEnv(std::vector<std::string>& env, std::string_view key, const char* value) {
  std::erase_if(env, [&](const std::string& e) {
    return e.size() > key.size() && e[key.size()] == '=' && std::string_view(e).starts_with(key);
  });
  if (value != nullptr) env.push_back(std::string(key) + "=" + value);
}

std::string FindProgram(const std::string& name, const std::vector<std::string>& env) {
  if (name.empty()) return "";
  if (name.find('/') != std::string::npos) {
    return access(name.c_str(), X_OK) == 0 ? name : std::string();
  }
  for (const std::string& dir : Split(EnvValue(env, "PATH"), ':')) {
    if (dir.empty()) continue;
    std::string candidate = dir + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

std::string TailLines(const std::string& text, size_t lines, const std::string& indent) {
  std::vector<std::string> all = Split(text, '\n');
  while (!all.empty() && TrimAscii(all.back()).empty()) all.pop_back();
  size_t start = all.size() > lines ? all.size() - lines : 0;
  std::string out;
  for (size_t i = start; i < all.size(); ++i) {
    if (!out.empty()) out += "\n";
    out += indent + all[i];
  }
  return out;
}

}  // namespace sparkenv::wheelbuild
