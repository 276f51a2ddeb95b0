// hdfs_store_tool: every store::Backend method of an hdfs://, webhdfs://,
// swebhdfs:// or httpfs:// store from the command line, for the bed tests
// (tests/bed/tests/test_store_hdfs.py).
//
//   hdfs_store_tool URL display-url
//   hdfs_store_tool URL hadoop-url KEY
//   hdfs_store_tool URL stat KEY               "<key>\t<size>\t<mtime ms>" or "absent"
//   hdfs_store_tool URL read KEY               the bytes on stdout
//   hdfs_store_tool URL download KEY PATH
//   hdfs_store_tool URL list PREFIX            "<key>\t<size>\t<mtime ms>" per object, sorted
//   hdfs_store_tool URL upload PATH KEY [--private] [--sha256 HEX] [--progress]
//   hdfs_store_tool URL write KEY TEXT [--private]
//   hdfs_store_tool URL remove KEY
//
// The environment is read as sparkenv reads it (HADOOP_CONF_DIR,
// HADOOP_USER_NAME, tokens). On stderr: "progress <bytes sent>" lines every
// 20 ms with --progress, then "requests=N sent=N received=N". Errors:
// "hdfs_store_tool: error: <message>"; exit 1 (an operation failed or not
// found), 2 (bad input), 70 (internal).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "store/open.h"

namespace {

using sparkenv::Error;
using sparkenv::ErrorKind;

int Report(const Error& e) {
  std::cerr << "hdfs_store_tool: error: " << e.message() << "\n";
  switch (e.kind()) {
    case ErrorKind::kInvalidInput:
      return 2;
    case ErrorKind::kInternal:
      return 70;
    default:
      return 1;
  }
}

int Usage() {
  std::cerr << "usage: hdfs_store_tool URL display-url|hadoop-url KEY|stat KEY|read KEY|"
               "download KEY PATH|list PREFIX|upload PATH KEY [--private] [--sha256 HEX] "
               "[--progress]|write KEY TEXT [--private]|remove KEY\n";
  return 2;
}

std::string Line(const sparkenv::store::ObjectInfo& o) {
  return o.key + "\t" + std::to_string(o.size) + "\t" + std::to_string(o.mtime_ms);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  sparkenv::store::WriteOptions write;
  bool progress = false;
  std::vector<std::string> pos;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--private") {
      write.world_readable = false;
    } else if (args[i] == "--progress") {
      progress = true;
    } else if (args[i] == "--sha256" && i + 1 < args.size()) {
      write.sha256 = args[++i];
    } else {
      pos.push_back(args[i]);
    }
  }
  if (pos.size() < 2) return Usage();
  const std::string& url = pos[0];
  const std::string& cmd = pos[1];
  auto need = [&](size_t n) { return pos.size() == n + 2; };

  auto opened = sparkenv::store::OpenBackend(url, sparkenv::store::OpenOptions{});
  if (!opened.ok()) return Report(opened.error());
  sparkenv::store::Backend& b = **opened;

  std::atomic<bool> done{false};
  std::thread reporter;
  if (progress) {
    reporter = std::thread([&] {
      while (!done.load()) {
        std::cerr << "progress " << b.counters().bytes_sent.load() << std::endl;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
  }
  int rc = 0;
  auto fail = [&](const Error& e) { rc = Report(e); };
  if (cmd == "display-url" && need(0)) {
    std::cout << b.DisplayUrl() << "\n";
  } else if (cmd == "hadoop-url" && need(1)) {
    std::cout << b.HadoopUrl(pos[2]) << "\n";
  } else if (cmd == "stat" && need(1)) {
    auto r = b.Stat(pos[2]);
    if (!r.ok()) {
      fail(r.error());
    } else {
      std::cout << (*r ? Line(**r) : std::string("absent")) << "\n";
    }
  } else if (cmd == "read" && need(1)) {
    auto r = b.Read(pos[2]);
    if (!r.ok()) {
      fail(r.error());
    } else {
      std::cout << *r;
    }
  } else if (cmd == "download" && need(2)) {
    auto s = b.Download(pos[2], pos[3]);
    if (!s.ok()) fail(s.error());
  } else if (cmd == "list" && need(1)) {
    auto r = b.List(pos[2]);
    if (!r.ok()) {
      fail(r.error());
    } else {
      std::vector<std::string> lines;
      for (const auto& o : *r) lines.push_back(Line(o));
      std::sort(lines.begin(), lines.end());
      for (const auto& l : lines) std::cout << l << "\n";
    }
  } else if (cmd == "upload" && need(2)) {
    auto s = b.Upload(pos[2], pos[3], write);
    if (!s.ok()) fail(s.error());
  } else if (cmd == "write" && need(2)) {
    auto s = b.Write(pos[2], pos[3], write);
    if (!s.ok()) fail(s.error());
  } else if (cmd == "remove" && need(1)) {
    auto s = b.Remove(pos[2]);
    if (!s.ok()) fail(s.error());
  } else {
    rc = Usage();
  }
  done.store(true);
  if (reporter.joinable()) reporter.join();
  const auto& c = b.counters();
  std::cerr << "requests=" << c.requests.load() << " sent=" << c.bytes_sent.load()
            << " received=" << c.bytes_received.load() << "\n";
  return rc;
}
