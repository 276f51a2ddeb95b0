#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "index/sha256.h"
#include "store/open.h"
#include "store/store_test_util.h"

namespace sparkenv::store {
namespace {

namespace fs = std::filesystem;
using test_util::ReadFile;
using test_util::ScratchDir;
using test_util::WriteFile;

int ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return static_cast<int>(st.st_mode & 07777);
}

// Sets the umask for the test's lifetime: modes must not depend on it.
class Umask {
 public:
  explicit Umask(mode_t mask) : old_(::umask(mask)) {}
  ~Umask() { ::umask(old_); }

 private:
  mode_t old_;
};

std::unique_ptr<Backend> Open(const std::string& url) {
  auto b = OpenFileBackend(url, OpenOptions{});
  EXPECT_TRUE(b.ok()) << b.error().message();
  return b.ok() ? std::move(b).value() : nullptr;
}

std::vector<std::string> Keys(const std::vector<ObjectInfo>& objects) {
  std::vector<std::string> keys;
  keys.reserve(objects.size());
  for (const ObjectInfo& o : objects) keys.push_back(o.key);
  std::sort(keys.begin(), keys.end());
  return keys;
}

TEST(FileBackendTest, WriteReadStatListRemove) {
  ScratchDir dir;
  auto b = Open("file://" + dir.path() + "/store");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->DisplayUrl(), "file://" + dir.path() + "/store");
  ASSERT_TRUE(b->Write("tags/app/prod.json", "{}", WriteOptions{}).ok());
  ASSERT_TRUE(b->Write("tags/apple/x.json", "12345", WriteOptions{}).ok());
  auto text = b->Read("tags/app/prod.json");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "{}");
  auto info = b->Stat("tags/apple/x.json");
  ASSERT_TRUE(info.ok());
  ASSERT_TRUE(info->has_value());
  EXPECT_EQ((*info)->size, 5u);
  EXPECT_GT((*info)->mtime_ms, 1'600'000'000'000);
  auto missing = b->Stat("tags/none.json");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());

  auto all = b->List("tags/");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(Keys(*all), (std::vector<std::string>{"tags/app/prod.json", "tags/apple/x.json"}));
  auto app = b->List("tags/app/");
  ASSERT_TRUE(app.ok());
  EXPECT_EQ(Keys(*app), (std::vector<std::string>{"tags/app/prod.json"}));
  auto none = b->List("blobs/");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  // Nothing is left under tmp/ after writes.
  auto temps = b->List("tmp/");
  ASSERT_TRUE(temps.ok());
  EXPECT_TRUE(temps->empty());

  ASSERT_TRUE(b->Remove("tags/app/prod.json").ok());
  ASSERT_TRUE(b->Remove("tags/app/prod.json").ok());  // missing: fine
  auto gone = b->Read("tags/app/prod.json");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(gone.error().message(),
            "cannot read '" + dir.path() + "/store/tags/app/prod.json': no such file or folder");
  EXPECT_EQ(b->counters().bytes_sent, 7u);
  EXPECT_EQ(b->counters().bytes_received, 2u);
}

TEST(FileBackendTest, ModesIgnoreTheUmask) {
  Umask mask(077);
  ScratchDir dir;
  ASSERT_EQ(::chmod(dir.path().c_str(), 0700), 0);
  auto pub = Open(dir / "a/b/store");
  ASSERT_TRUE(pub);
  WriteFile(dir / "layer", "layer bytes");
  WriteOptions w;
  w.sha256 = index::Sha256Hex("layer bytes");
  ASSERT_TRUE(pub->Upload(dir / "layer", "blobs/x.tar.gz", w).ok());
  EXPECT_EQ(ModeOf(dir / "a/b/store/blobs/x.tar.gz"), 0644);
  EXPECT_EQ(ModeOf(dir / "a/b/store/blobs"), 0755);
  EXPECT_EQ(ModeOf(dir / "a/b/store"), 0755);
  EXPECT_EQ(ModeOf(dir / "a"), 0755);
  // An existing ancestor this user owns becomes traversable, not listable.
  EXPECT_EQ(ModeOf(dir.path()), 0711);
  EXPECT_EQ(ReadFile(dir / "a/b/store/blobs/x.tar.gz"), "layer bytes");

  WriteOptions priv;
  priv.world_readable = false;
  auto p = Open(dir / "private");
  ASSERT_TRUE(p);
  ASSERT_TRUE(p->Write("envs/e.json", "{}", priv).ok());
  EXPECT_EQ(ModeOf(dir / "private/envs/e.json"), 0600);
  EXPECT_EQ(ModeOf(dir / "private/envs"), 0700);
  EXPECT_EQ(ModeOf(dir / "private"), 0700);
  // A private write never narrows a shared folder.
  ASSERT_TRUE(pub->Write("blobs/y.tar.gz", "y", priv).ok());
  EXPECT_EQ(ModeOf(dir / "a/b/store/blobs/y.tar.gz"), 0600);
  EXPECT_EQ(ModeOf(dir / "a/b/store/blobs"), 0755);
}

TEST(FileBackendTest, UploadIsVerifiedAndAtomic) {
  ScratchDir dir;
  auto b = Open(dir / "store");
  ASSERT_TRUE(b);
  WriteFile(dir / "layer", "the real bytes");
  WriteOptions w;
  w.sha256 = index::Sha256Hex("other bytes");
  Status s = b->Upload(dir / "layer", "blobs/x.tar.gz", w);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind(), ErrorKind::kIo);
  EXPECT_EQ(s.error().message(), "verification of 'file://" + dir.path() +
                                     "/store/blobs/x.tar.gz' failed: its sha256 is " +
                                     index::Sha256Hex("the real bytes") + ", expected " + w.sha256 +
                                     "; nothing was stored");
  EXPECT_FALSE(fs::exists(dir / "store/blobs/x.tar.gz"));
  EXPECT_TRUE(fs::is_empty(dir / "store/tmp"));

  // Replacing keeps readers on whole objects: the old or the new bytes.
  ASSERT_TRUE(b->Write("tags/a/b.json", "old", WriteOptions{}).ok());
  ASSERT_TRUE(b->Write("tags/a/b.json", "new!", WriteOptions{}).ok());
  EXPECT_EQ(ReadFile(dir / "store/tags/a/b.json"), "new!");
  EXPECT_TRUE(fs::is_empty(dir / "store/tmp"));
}

TEST(FileBackendTest, DownloadCopiesTheBytes) {
  ScratchDir dir;
  auto b = Open(dir / "store");
  ASSERT_TRUE(b);
  std::string big(3 << 20, 'x');
  big[12345] = 'y';
  ASSERT_TRUE(b->Write("blobs/big.tar.gz", big, WriteOptions{}).ok());
  ASSERT_TRUE(b->Download("blobs/big.tar.gz", dir / "copy").ok());
  EXPECT_EQ(ReadFile(dir / "copy"), big);
  Status s = b->Download("blobs/none.tar.gz", dir / "none");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind(), ErrorKind::kNotFound);
}

TEST(FileBackendTest, LinksInsideTheStoreAreNeverFollowed) {
  ScratchDir dir;
  WriteFile(dir / "outside/secret.json", "secret");
  auto b = Open(dir / "store");
  ASSERT_TRUE(b);
  ASSERT_TRUE(b->Write("sparkenv-store.json", "{}", WriteOptions{}).ok());
  fs::create_directories(dir / "store/tags");
  fs::create_symlink(dir / "outside", dir / "store/tags/evil");
  fs::create_symlink(dir / "outside/secret.json", dir / "store/envs-link.json");
  auto r = b->Read("tags/evil/secret.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "refusing to follow the symbolic link '" + dir.path() +
                                     "/store/tags/evil' inside the store '" + dir.path() +
                                     "/store'");
  r = b->Read("envs-link.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "cannot read '" + dir.path() +
                                     "/store/envs-link.json': it is a symbolic link, which a "
                                     "store never follows");
  Status s = b->Write("tags/evil/new.json", "x", WriteOptions{});
  ASSERT_FALSE(s.ok());
  EXPECT_FALSE(fs::exists(dir / "outside/new.json"));
  auto listed = b->List("tags/");
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());  // the link is not walked
  // The root itself may be a link.
  fs::create_symlink(dir / "store", dir / "alias");
  auto alias = Open(dir / "alias");
  ASSERT_TRUE(alias);
  EXPECT_TRUE(alias->Read("sparkenv-store.json").ok());
  ASSERT_TRUE(alias->Write("envs/x.json", "x", WriteOptions{}).ok());
}

TEST(FileBackendTest, InvalidKeysAreRefused) {
  ScratchDir dir;
  auto b = Open(dir / "store");
  ASSERT_TRUE(b);
  for (const char* key : {"../x", "a/../../x", "/etc/passwd", ""}) {
    auto r = b->Read(key);
    ASSERT_FALSE(r.ok()) << key;
    EXPECT_EQ(r.error().kind(), ErrorKind::kInternal) << key;
    EXPECT_FALSE(b->Write(key, "x", WriteOptions{}).ok()) << key;
  }
}

TEST(FileBackendTest, UrlsAndRoots) {
  ScratchDir dir;
  WriteFile(dir / "file", "x");
  auto r = OpenFileBackend("file://" + dir.path() + "/file", OpenOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "store 'file://" + dir.path() + "/file' is not a folder: '" +
                                     dir.path() + "/file' is a file");
  EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidInput);
  r = OpenFileBackend("file://host/srv/envs", OpenOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "invalid store URL 'file://host/srv/envs': a file URL names an absolute path without "
            "a host, as in file:///srv/envs");
  auto b = Open("file://" + dir.path() + "/with%20space/");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->HadoopUrl("blobs/x.tar.gz"),
            "file://" + dir.path() + "/with%20space/blobs/x.tar.gz");
  ASSERT_TRUE(b->Write("envs/a.json", "a", WriteOptions{}).ok());
  EXPECT_TRUE(fs::exists(dir / "with space/envs/a.json"));
  // A plain relative path is made absolute.
  const fs::path cwd = fs::current_path();
  fs::current_path(dir.path());
  auto rel = Open("relstore");
  fs::current_path(cwd);
  ASSERT_TRUE(rel);
  EXPECT_EQ(rel->DisplayUrl(), "relstore");
  EXPECT_EQ(rel->HadoopUrl("envs/a.json"), "file://" + dir.path() + "/relstore/envs/a.json");
}

TEST(FileBackendTest, AFileInThePathIsAClearError) {
  ScratchDir dir;
  auto b = Open(dir / "store");
  ASSERT_TRUE(b);
  WriteFile(dir / "store/blobs", "not a folder");
  Status s = b->Write("blobs/x.tar.gz", "x", WriteOptions{});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(), "cannot write into the store '" + dir.path() + "/store': '" +
                                     dir.path() + "/store/blobs' is a file, not a folder");
}

}  // namespace
}  // namespace sparkenv::store
