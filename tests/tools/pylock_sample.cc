// Writes a realistic sample pylock.toml with sparkenv's writer, for
// tests/py/test_pylock_packaging.py, which validates it with Python
// packaging's reader (packaging.pylock) and compares the fields it reads
// with the model.
//   pylock_sample            the lock on stdout
//   pylock_sample --json     the model as JSON (independent of the TOML writer)
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lock/pylock.h"

namespace {

using sparkenv::lock::DependencyRef;
using sparkenv::lock::FileEntry;
using sparkenv::lock::Lock;
using sparkenv::lock::Package;
using sparkenv::lock::SparkenvTool;
using sparkenv::lock::Timestamp;

// A stable, realistic-looking sha256 digest derived from `seed`.
std::string FakeSha256(const std::string& seed) {
  uint64_t h = 1469598103934665603ull;
  std::string out;
  for (int round = 0; out.size() < 64; ++round) {
    for (char c : seed + std::to_string(round))
      h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    out += buf;
  }
  return out.substr(0, 64);
}

FileEntry File(const std::string& blob_path, const std::string& name, int64_t size,
               const char* uploaded, const std::string& sha256 = "") {
  FileEntry f;
  f.name = name;
  f.url = "https://files.pythonhosted.org/packages/" + blob_path + "/" + name;
  f.size = size;
  f.upload_time = Timestamp::Parse(uploaded).value();
  f.hashes["sha256"] = sha256.empty() ? FakeSha256(name) : sha256;
  return f;
}

Package Pkg(const std::string& name, const char* version, const char* requires_python) {
  Package p;
  p.name = name;
  p.version = sparkenv::spec::Version::Parse(version).value();
  if (requires_python != nullptr) {
    p.requires_python = sparkenv::spec::SpecifierSet::Parse(requires_python).value();
  }
  p.index = "https://pypi.org/simple/";
  return p;
}

Lock Sample() {
  Lock lock;
  lock.requires_python = sparkenv::spec::SpecifierSet::Parse("==3.12.*").value();
  lock.environments = {
      sparkenv::spec::Marker::Parse("python_version == \"3.12\" and sys_platform == \"linux\" and "
                                    "platform_machine == \"x86_64\"")
          .value()};
  lock.extras = std::vector<std::string>{};
  lock.dependency_groups = std::vector<std::string>{};

  Package numpy = Pkg("numpy", "2.2.3", ">=3.10");
  numpy.wheels = {
      File("39/04/78d2e7402fb479d893953fb78fa7045f7deb635ec095b6b4f0260223091a",
           "numpy-2.2.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", 16116679,
           "2025-02-13T16:50:00.079662Z",
           "3b787adbf04b0db1967798dba8da1af07e387908ed1553a0d6e74c084d1ceafe"),
      File("e3/25/0b4a6e2c5dd4bda5d5ba2ea7b0dd4e2c0c0bd1ca3d3b3bd0a5e2ee6f26af",
           "numpy-2.2.3-cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64.whl", 14085912,
           "2025-02-13T16:49:36.534208Z"),
  };

  Package pandas = Pkg("pandas", "2.2.3", ">=3.9");
  pandas.dependencies = {{"numpy", "2.2.3"},
                         {"python-dateutil", "2.9.0.post0"},
                         {"pytz", "2025.1"},
                         {"tzdata", "2025.1"}};
  pandas.wheels = {File("38/f8/d8fddee9ed0d0c0f4a2132c1dfcf0e3e53265055da8df952a53e7eaf178c",
                        "pandas-2.2.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                        12739227, "2024-09-20T13:09:44.39+00:00")};

  Package dateutil = Pkg("python-dateutil", "2.9.0.post0", "!=3.0.*,!=3.1.*,!=3.2.*,>=2.7");
  dateutil.dependencies = {{"six", ""}};
  dateutil.wheels = {File("ec/57/56b9bcc3c9c6a792fcbaf139543cee77261f3651ca9da0c93f5c1221264b",
                          "python_dateutil-2.9.0.post0-py2.py3-none-any.whl", 229892,
                          "2024-03-01T18:36:18Z")};

  Package pytz = Pkg("pytz", "2025.1", nullptr);
  pytz.wheels = {File("eb/38/ac33370d784287baa1c3d538978b5e2ea064d4c1b93ffbd12826c190dd10",
                      "pytz-2025.1-py2.py3-none-any.whl", 507930, "2025-01-31T01:54:45.634Z")};

  Package tzdata = Pkg("tzdata", "2025.1", ">=2");
  tzdata.wheels = {File("0f/dd/84f10e23edd882c6f968c21c2434fe67bd4a528967067515feca9e611e5e",
                        "tzdata-2025.1-py2.py3-none-any.whl", 346762, "2025-01-21T19:49:37.187Z")};

  Package six = Pkg("six", "1.17.0", "!=3.0.*,!=3.1.*,!=3.2.*,>=2.7");
  six.wheels = {File("b7/ce/149a00dd41f10bc29e5921b496af8b574d8413afcd5e30dfa0ed46c2cc5e",
                     "six-1.17.0-py2.py3-none-any.whl", 11050, "2024-12-04T17:35:26.475Z")};

  // An sdist-only package, as the resolver records one when no wheel fits.
  Package sdist_only = Pkg("pyspark", "3.5.4", ">=3.8");
  sdist_only.marker = sparkenv::spec::Marker::Parse("python_version >= \"3.8\"").value();
  sdist_only.dependencies = {{"py4j", "0.10.9.7"}};
  FileEntry sd = File("e6/54/4e5e9f1df9e8fe2bb5c4cbb6a4a2b2a3ab8a8b3b1b3e7bfc6a4e0d5d0b23",
                      "pyspark-3.5.4.tar.gz", 317253030, "2024-12-20T08:57:49Z");
  sd.name.clear();  // the URL ends in the file name
  sdist_only.sdist = sd;

  Package py4j = Pkg("py4j", "0.10.9.7", nullptr);
  py4j.wheels = {File("10/30/a58b32568f1623aaad7db22aa9eafc4c6c194b429ff35bdc55ca2726da47",
                      "py4j-0.10.9.7-py2.py3-none-any.whl", 200481, "2022-08-12T22:49:07.05Z")};

  lock.packages = {numpy, pandas, dateutil, pytz, tzdata, six, sdist_only, py4j};

  SparkenvTool tool;
  tool.target_markers = {{"implementation_name", "cpython"}, {"platform_machine", "x86_64"},
                         {"platform_system", "Linux"},       {"python_full_version", "3.12.8"},
                         {"python_version", "3.12"},         {"sys_platform", "linux"}};
  tool.target_tag_count = 909;
  tool.target_tags_sha256 = FakeSha256("cp312-manylinux_2_28_x86_64");
  tool.requirements = {"pandas>=2.2", "pyspark==3.5.4"};
  tool.indexes = {"https://pypi.org/simple/"};
  tool.resolution = "highest";
  lock.sparkenv = tool;
  return lock;
}

nlohmann::json FileJson(const FileEntry& f) {
  nlohmann::json j;
  j["name"] = f.FileName();
  j["url"] = f.url;
  j["size"] = *f.size;
  j["upload-time"] = f.upload_time->ToString();
  j["hashes"] = f.hashes;
  return j;
}

nlohmann::json ModelJson(const Lock& lock) {
  nlohmann::json j;
  j["lock-version"] = lock.lock_version;
  j["created-by"] = lock.created_by;
  j["requires-python"] = lock.requires_python->ToString();
  j["environments"] = nlohmann::json::array();
  for (const auto& m : lock.environments) j["environments"].push_back(m.ToString());
  j["packages"] = nlohmann::json::object();
  for (const Package& p : lock.packages) {
    nlohmann::json pj;
    pj["version"] = p.version->ToString();
    pj["requires-python"] = p.requires_python ? p.requires_python->ToString() : "";
    pj["marker"] = p.marker ? p.marker->ToString() : "";
    pj["index"] = p.index;
    pj["dependencies"] = nlohmann::json::array();
    for (const DependencyRef& d : p.dependencies) {
      pj["dependencies"].push_back({{"name", d.name}, {"version", d.version}});
    }
    pj["wheels"] = nlohmann::json::array();
    for (const FileEntry& w : p.wheels) pj["wheels"].push_back(FileJson(w));
    if (p.sdist) pj["sdist"] = FileJson(*p.sdist);
    j["packages"][p.name] = pj;
  }
  j["tool"] = {{"target-markers", lock.sparkenv->target_markers},
               {"target-tag-count", lock.sparkenv->target_tag_count},
               {"requirements", lock.sparkenv->requirements}};
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  Lock lock = Sample();
  if (argc > 1 && std::string(argv[1]) == "--json") {
    std::cout << ModelJson(lock).dump(2) << "\n";
    return 0;
  }
  sparkenv::Result<std::string> text = sparkenv::lock::WriteLock(lock);
  if (!text.ok()) {
    std::cerr << text.error().message() << "\n";
    return 1;
  }
  std::cout << *text;
  return 0;
}
