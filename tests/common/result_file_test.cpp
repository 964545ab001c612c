#include "throng/common/result_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace throng {
namespace {

namespace fs = std::filesystem;

struct ResultFile : ::testing::Test {
  void SetUp() override {
    char tmpl[] = "/tmp/throng-result-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir = tmpl;
  }
  void TearDown() override { fs::remove_all(dir); }
  std::string read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::size_t entries() { return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator())); }
  std::string dir;
};

TEST_F(ResultFile, WritesWholeAndReplacesAnOlderFileLeavingNothingBeside) {
  const auto path = dir + "/report.json";
  EXPECT_EQ(result_path_problem(path), "");
  EXPECT_EQ(entries(), 0u) << "the check leaves no probe behind";
  EXPECT_EQ(write_result_file(path, "first, and longer\n"), "");
  EXPECT_EQ(write_result_file(path, "second\n"), "");
  EXPECT_EQ(read(path), "second\n");
  EXPECT_EQ(entries(), 1u) << "no partial file is left beside the result";
}

TEST_F(ResultFile, AMissingDirectoryOrADirectoryIsNamedBeforeAndAtTheWrite) {
  const auto missing = dir + "/no-such-dir/report.json";
  EXPECT_EQ(result_path_problem(missing), "cannot create files in " + dir + "/no-such-dir: No such file or directory");
  EXPECT_EQ(write_result_file(missing, "x"), "cannot write " + missing + ": No such file or directory");
  EXPECT_EQ(result_path_problem(dir), dir + " is a directory; give a file name");
  EXPECT_NE(write_result_file(dir, "x"), "");
  EXPECT_EQ(result_path_problem(""), "no file name given");
}

TEST_F(ResultFile, ABareNameGoesToTheWorkingDirectory) {
  const auto before = fs::current_path();
  fs::current_path(dir);
  EXPECT_EQ(result_path_problem("summary.md"), "");
  EXPECT_EQ(write_result_file("summary.md", "ok\n"), "");
  fs::current_path(before);
  EXPECT_EQ(read(dir + "/summary.md"), "ok\n");
}

TEST_F(ResultFile, ADeviceOrASymlinkIsWrittenWhereItIsNotReplaced) {
  EXPECT_EQ(result_path_problem("/dev/null"), "");
  EXPECT_EQ(write_result_file("/dev/null", "discarded\n"), "");
  struct stat st {};
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode)) << "/dev/null must still be the device";

  const auto target = dir + "/real.json", link = dir + "/link.json";
  fs::create_symlink(target, link);
  EXPECT_EQ(write_result_file(link, "through the link\n"), "");
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(read(target), "through the link\n");
}

}  // namespace
}  // namespace throng
