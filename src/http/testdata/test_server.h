// Test helper: starts src/http/testdata/fault_server.py on 127.0.0.1 with an
// ephemeral port and stops it (by closing its stdin, then SIGTERM to its own
// pid) when destroyed. Used by the HTTP client and cache tests.
#pragma once

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace sparkenv::http::testing {

class FaultServer {
 public:
  FaultServer() {
    int to_child[2];
    int from_child[2];
    if (pipe(to_child) != 0 || pipe(from_child) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(to_child[0], 0);
      dup2(from_child[1], 1);
      close(to_child[1]);
      close(from_child[0]);
      std::string script = std::string(SPARKENV_SOURCE_DIR) + "/src/http/testdata/fault_server.py";
      execlp("python3", "python3", script.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    stdin_fd_ = to_child[1];
    FILE* out = fdopen(from_child[0], "r");
    int port = 0;
    if (out && std::fscanf(out, "%d", &port) == 1) port_ = port;
    if (out) std::fclose(out);
  }
  ~FaultServer() {
    if (stdin_fd_ >= 0) close(stdin_fd_);
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  FaultServer(const FaultServer&) = delete;
  FaultServer& operator=(const FaultServer&) = delete;

  bool ok() const { return port_ > 0; }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int port_ = 0;
};

}  // namespace sparkenv::http::testing
