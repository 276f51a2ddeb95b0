#include "spark/probe.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace sparkenv::spark {
namespace {

using json = nlohmann::json;

json Facts(const std::string& version, const std::string& exec_id,
           const std::string& executable = "/usr/bin/python3") {
  return {{"implementation_name", "cpython"},
          {"implementation_version", version},
          {"os_name", "posix"},
          {"platform_machine", "x86_64"},
          {"platform_python_implementation", "CPython"},
          {"platform_release", "6.1.0-18-amd64"},
          {"platform_system", "Linux"},
          {"platform_version", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1"},
          {"python_full_version", version},
          {"python_version", version.substr(0, version.rfind('.'))},
          {"sys_platform", "linux"},
          {"abiflags", ""},
          {"free_threaded", false},
          {"libc", {"glibc", {2, 36}}},
          {"executable", executable},
          {"host", "node" + exec_id},
          {"executor_id", exec_id}};
}

std::string Output(const json& driver, const std::vector<json>& tasks) {
  json j = {{"format", "sparkenv-probe/1"},
            {"master", "yarn"},
            {"spark_version", "4.3.0"},
            {"driver", driver},
            {"tasks", tasks}};
  return "some log line\n" + std::string(kProbeMarker) + j.dump() + "\nafter\n";
}

TEST(ProbeTest, OneInterpreterIsTheDeclaredTarget) {
  auto probe =
      ParseProbeOutput(Output(Facts("3.11.7", ""), {Facts("3.11.7", "1"), Facts("3.11.7", "2")}));
  ASSERT_TRUE(probe.ok()) << probe.error().message();
  EXPECT_EQ(probe->tasks.size(), 2u);
  EXPECT_EQ(probe->tasks[1].executor_id, "2");
  auto t = TargetFromProbe(*probe);
  ASSERT_TRUE(t.ok()) << t.error().message();
  EXPECT_EQ(t->declared.python, "3.11.7");
  EXPECT_EQ(t->declared.platforms, std::vector<std::string>{"manylinux_2_36_x86_64"});
  EXPECT_EQ(t->declared.abi, "");
  spec::TargetOptions same;
  same.python = "3.11.7";
  same.platforms = {"manylinux_2_36_x86_64"};
  EXPECT_EQ(t->target.ToJson(), spec::Target::Declare(same)->ToJson());
  EXPECT_EQ(t->target.markers().at("platform_release"), "");
  EXPECT_EQ(t->report,
            "Probed 2 tasks: CPython 3.11.7 on linux x86_64 with glibc 2.36 on executors 1, 2 on "
            "node1, node2 (/usr/bin/python3).\nThe driver: CPython 3.11.7 on linux x86_64 with "
            "glibc 2.36 on node (/usr/bin/python3).\nTarget: --python 3.11.7 --platform "
            "manylinux_2_36_x86_64 (" +
                std::to_string(t->target.tags().size()) + " tags)");
}

TEST(ProbeTest, MixedExecutorsAreRefusedWithAReport) {
  auto probe =
      ParseProbeOutput(Output(Facts("3.11.7", ""), {Facts("3.11.7", "1", "/opt/py/bin/python3"),
                                                    Facts("3.11.2", "2", "/usr/bin/python3.11"),
                                                    Facts("3.11.7", "1", "/opt/py/bin/python3")}));
  ASSERT_TRUE(probe.ok());
  auto t = TargetFromProbe(*probe);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().kind(), ErrorKind::kUnsatisfiable);
  EXPECT_EQ(t.error().message(),
            "the executors run 2 different Python interpreters, and a target describes one:\n"
            "  CPython 3.11.2 on linux x86_64 with glibc 2.36: executor 2 on node2 "
            "(/usr/bin/python3.11)\n"
            "  CPython 3.11.7 on linux x86_64 with glibc 2.36: executor 1 on node1 "
            "(/opt/py/bin/python3)\n"
            "Run every executor with the same Python (spark.pyspark.python), or probe and lock for "
            "each group separately.");
}

TEST(ProbeTest, AbisAndPlatforms) {
  json ft = Facts("3.13.1", "1");
  ft["free_threaded"] = true;
  ft["abiflags"] = "t";
  auto t = TargetFromProbe(*ParseProbeOutput(Output(ft, {ft})));
  ASSERT_TRUE(t.ok()) << t.error().message();
  EXPECT_EQ(t->declared.abi, "cp313t");

  json musl = Facts("3.12.4", "1");
  musl["libc"] = {"musl", {1, 2}};
  t = TargetFromProbe(*ParseProbeOutput(Output(musl, {musl})));
  ASSERT_TRUE(t.ok()) << t.error().message();
  EXPECT_EQ(t->declared.platforms, std::vector<std::string>{"musllinux_1_2_x86_64"});

  json pypy = Facts("3.10.14", "1");
  pypy["implementation_name"] = "pypy";
  EXPECT_EQ(TargetFromProbe(*ParseProbeOutput(Output(pypy, {pypy}))).error().message(),
            "the executors run PyPy 3.10.14 on linux x86_64 with glibc 2.36: sparkenv declares "
            "CPython targets only; write a target file with 'pex3 interpreter inspect --markers "
            "--tags' on a node and pass it as --target");

  json nolibc = Facts("3.11.7", "1");
  nolibc["libc"] = nullptr;
  EXPECT_EQ(TargetFromProbe(*ParseProbeOutput(Output(nolibc, {nolibc}))).error().message(),
            "the executors run CPython 3.11.7 on linux x86_64 (C library unknown): without a known "
            "C library (glibc, musl) or macOS version no platform tag describes them; write a "
            "target file instead");
}

TEST(ProbeTest, OutputWithoutAResult) {
  EXPECT_EQ(ParseProbeOutput("nothing\n").error().message(),
            "the probe application printed no result (no line starting with 'SPARKENV-PROBE')");
  EXPECT_EQ(ParseProbeOutput(std::string(kProbeMarker) + "{\n").error().message(),
            "the probe application's result is not valid JSON");
  EXPECT_EQ(ParseProbeOutput(Output(Facts("3.11.7", ""), {})).error().message(),
            "the probe application reports no task");
}

}  // namespace
}  // namespace sparkenv::spark
