// spec_diff: prints what sparkenv's spec module makes of a table of project
// names and versions, for the differential test against Python's `packaging`
// (tests/py/test_differential_pypi.py).
//
//   spec_diff INPUT.tsv [OUTPUT]
//
// INPUT has a header line "name<TAB>version" and one "name<TAB>version" row per
// line. For every row, OUTPUT (default: stdout) gets one line
//
//   normalized-name <TAB> valid(0/1) <TAB> normalized-version <TAB> rank
//
// where the normalized version is empty and rank is -1 for an invalid
// version. `rank` encodes the sorted order of all valid versions: ranks are
// dense (0, 1, 2, ...), ascending in PEP 440 order, and equal versions (1.0
// and 1.0.0) share a rank.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <numeric>
#include <string>
#include <vector>

#include "spec/name.h"
#include "spec/version.h"

using sparkenv::spec::NormalizeName;
using sparkenv::spec::Version;

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: spec_diff INPUT.tsv [OUTPUT]\n";
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::cerr << "spec_diff: cannot open " << argv[1] << "\n";
    return 1;
  }
  std::vector<std::string> names;
  std::vector<std::string> texts;
  std::string line;
  bool header = true;
  size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (header) {
      header = false;
      if (line == "name\tversion") continue;
    }
    size_t tab = line.find('\t');
    if (tab == std::string::npos) {
      std::cerr << "spec_diff: " << argv[1] << ":" << line_no << ": expected name<TAB>version\n";
      return 1;
    }
    names.push_back(line.substr(0, tab));
    texts.push_back(line.substr(tab + 1));
  }

  std::vector<std::optional<Version>> versions(texts.size());
  std::vector<size_t> valid;
  for (size_t i = 0; i < texts.size(); ++i) {
    auto v = Version::Parse(texts[i]);
    if (v.ok()) {
      versions[i] = std::move(*v);
      valid.push_back(i);
    }
  }
  std::stable_sort(valid.begin(), valid.end(),
                   [&](size_t a, size_t b) { return *versions[a] < *versions[b]; });
  std::vector<long> rank(texts.size(), -1);
  long r = -1;
  for (size_t k = 0; k < valid.size(); ++k) {
    if (k == 0 || *versions[valid[k - 1]] != *versions[valid[k]]) ++r;
    rank[valid[k]] = r;
  }

  std::ofstream file;
  if (argc == 3) {
    file.open(argv[2], std::ios::binary | std::ios::trunc);
    if (!file) {
      std::cerr << "spec_diff: cannot write " << argv[2] << "\n";
      return 1;
    }
  }
  std::ostream& out = argc == 3 ? static_cast<std::ostream&>(file) : std::cout;
  std::string buf;
  for (size_t i = 0; i < texts.size(); ++i) {
    buf.clear();
    buf += NormalizeName(names[i]);
    buf += versions[i] ? "\t1\t" : "\t0\t";
    if (versions[i]) buf += versions[i]->ToString();
    buf += '\t';
    buf += std::to_string(rank[i]);
    buf += '\n';
    out << buf;
  }
  out.flush();
  if (!out) {
    std::cerr << "spec_diff: write failed\n";
    return 1;
  }
  return 0;
}
