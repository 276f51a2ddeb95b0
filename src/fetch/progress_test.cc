#include "fetch/progress.h"

#include <gtest/gtest.h>

namespace sparkenv::fetch {
namespace {

TEST(ProgressTest, FormatBytes) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(1023), "1023 B");
  EXPECT_EQ(FormatBytes(1536), "1.5 KiB");
  EXPECT_EQ(FormatBytes(40ULL << 20), "40.0 MiB");
  EXPECT_EQ(FormatBytes(3ULL << 30), "3.0 GiB");
}

TEST(ProgressTest, Line) {
  ProgressState s;
  s.bytes_done = 10ULL << 20;
  s.bytes_total = 40ULL << 20;
  s.files_done = 3;
  s.files_total = 10;
  s.seconds = 2;
  EXPECT_EQ(FormatProgress(s, 80),
            "[#######.......................]  10.0 MiB/40.0 MiB  3/10 files  5.0 MiB/s");
  s.bytes_total.reset();
  s.seconds = 0;
  EXPECT_EQ(FormatProgress(s, 40), "[####............]  10.0 MiB  3/10 files");
  EXPECT_EQ(FormatProgress(s, 20), "10.0 MiB  3/10 files");
}

}  // namespace
}  // namespace sparkenv::fetch
