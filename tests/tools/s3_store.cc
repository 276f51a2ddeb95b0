// s3_store: a dev tool over the s3 store backend (src/store/s3_backend.h),
// for the bed tests (tests/bed/tests/test_store_s3.py).
//
//   s3_store [OPTIONS] STORE-URL COMMAND [ARGS...]
//
// Commands:
//   display-url | hadoop-url KEY
//   stat KEY                 "<size> <mtime_ms>", or "absent"
//   read KEY                 the object's bytes on stdout
//   download KEY PATH
//   list [PREFIX]            "<key>\t<size>\t<mtime_ms>" lines, sorted by key
//   upload PATH KEY          (--sha256 HEX: the bytes must have it)
//   upload-parallel PATH KEY [PATH KEY ...]   all at once, one thread each
//   write KEY                the bytes of stdin (--sha256 HEX as for upload)
//   remove KEY
// Options: --endpoint URL, --sha256 HEX, --multipart-threshold BYTES,
// --part-size BYTES, --max-parts-in-flight N, --max-attempts N,
// --initial-backoff-ms N, --max-backoff-ms N, --list-page-size N,
// --transfers N.
//
// Credentials and the rest come from the environment, as for sparkenv.
// After the command, stderr gets "requests=N sent=B received=R". Errors go
// to stderr as "s3_store: error: MESSAGE"; exit codes 0 ok, 1 failed, 2 bad
// input, 70 internal (as the CLI's).
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "store/s3_backend.h"

namespace {

using sparkenv::ErrorKind;

int ExitCode(const sparkenv::Error& e) {
  switch (e.kind()) {
    case ErrorKind::kInvalidInput:
      return 2;
    case ErrorKind::kInternal:
      return 70;
    default:
      return 1;
  }
}

int Fail(const sparkenv::Error& e) {
  std::cerr << "s3_store: error: " << e.message() << "\n";
  return ExitCode(e);
}

int Usage(const std::string& why) {
  std::cerr << "s3_store: " << why << "\nusage: s3_store [OPTIONS] STORE-URL COMMAND [ARGS...]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  sparkenv::store::OpenOptions open;
  sparkenv::store::S3Options s3;
  sparkenv::store::WriteOptions write;
  std::vector<std::string> args;
  try {
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
        return argv[++i];
      };
      if (a == "--endpoint") {
        open.s3_endpoint = value();
      } else if (a == "--sha256") {
        write.sha256 = value();
      } else if (a == "--multipart-threshold") {
        s3.multipart_threshold = std::stoull(value());
      } else if (a == "--part-size") {
        s3.part_size = std::stoull(value());
      } else if (a == "--max-parts-in-flight") {
        s3.max_parts_in_flight = std::stoi(value());
      } else if (a == "--max-attempts") {
        s3.max_attempts = std::stoi(value());
      } else if (a == "--initial-backoff-ms") {
        s3.initial_backoff = std::chrono::milliseconds(std::stoll(value()));
      } else if (a == "--max-backoff-ms") {
        s3.max_backoff = std::chrono::milliseconds(std::stoll(value()));
      } else if (a == "--list-page-size") {
        s3.list_page_size = std::stoi(value());
      } else if (a == "--transfers") {
        open.max_concurrent_transfers = std::stoi(value());
      } else {
        args.push_back(a);
      }
    }
  } catch (const std::exception& e) {
    return Usage(std::string("bad option: ") + e.what());
  }
  if (args.size() < 2) return Usage("missing STORE-URL or COMMAND");
  auto opened = sparkenv::store::OpenS3Backend(args[0], open, s3, nullptr);
  if (!opened.ok()) return Fail(opened.error());
  sparkenv::store::Backend& backend = **opened;
  const std::string& command = args[1];
  auto arg = [&](size_t i) { return i + 2 < args.size() ? args[i + 2] : std::string(); };
  size_t nargs = args.size() - 2;

  int rc = 0;
  auto check = [&](const sparkenv::Status& s) {
    if (!s.ok()) rc = Fail(s.error());
  };
  if (command == "display-url" && nargs == 0) {
    std::cout << backend.DisplayUrl() << "\n";
  } else if (command == "hadoop-url" && nargs == 1) {
    std::cout << backend.HadoopUrl(arg(0)) << "\n";
  } else if (command == "stat" && nargs == 1) {
    auto info = backend.Stat(arg(0));
    if (!info.ok()) {
      rc = Fail(info.error());
    } else if (!info->has_value()) {
      std::cout << "absent\n";
    } else {
      std::cout << (*info)->size << " " << (*info)->mtime_ms << "\n";
    }
  } else if (command == "read" && nargs == 1) {
    auto bytes = backend.Read(arg(0));
    if (!bytes.ok()) {
      rc = Fail(bytes.error());
    } else {
      std::cout.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
    }
  } else if (command == "download" && nargs == 2) {
    check(backend.Download(arg(0), arg(1)));
  } else if (command == "list" && nargs <= 1) {
    auto list = backend.List(arg(0));
    if (!list.ok()) {
      rc = Fail(list.error());
    } else {
      std::sort(list->begin(), list->end(),
                [](const auto& a, const auto& b) { return a.key < b.key; });
      for (const auto& o : *list)
        std::cout << o.key << "\t" << o.size << "\t" << o.mtime_ms << "\n";
    }
  } else if (command == "upload" && nargs == 2) {
    check(backend.Upload(arg(0), arg(1), write));
  } else if (command == "upload-parallel" && nargs >= 2 && nargs % 2 == 0) {
    std::vector<sparkenv::Status> results(nargs / 2);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < nargs / 2; ++i) {
      threads.emplace_back([&, i] {
        results[i] = backend.Upload(arg(2 * i), arg(2 * i + 1), sparkenv::store::WriteOptions{});
      });
    }
    for (auto& t : threads) t.join();
    for (const auto& s : results) check(s);
  } else if (command == "write" && nargs == 1) {
    std::string bytes((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    check(backend.Write(arg(0), bytes, write));
  } else if (command == "remove" && nargs == 1) {
    check(backend.Remove(arg(0)));
  } else {
    return Usage("unknown command or wrong number of arguments: " + command);
  }
  std::cout.flush();
  auto& c = backend.counters();
  std::cerr << "requests=" << c.requests << " sent=" << c.bytes_sent
            << " received=" << c.bytes_received << "\n";
  return rc;
}
