// SqliteHostLock (host/app/SqliteHostLock.h): one host per SQLite file, however the file is
// named — its path, a symbolic link to it, or a DSN in odbc.ini. flock() locks conflict between
// two open files of one process too, so the second lock here stands for a second host.
#include "host/app/SqliteHostLock.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace orderhost::app {
namespace {

namespace fs = std::filesystem;

TEST(SqliteHostLockTest, AFileReachedThroughALinkOrADsnIsTheSameFile) {
    const fs::path folder = fs::temp_directory_path() / ("orderhost-lock-" + std::to_string(::getpid()));
    fs::create_directories(folder / "sub");
    std::ofstream(folder / "host.db") << "";
    fs::create_symlink(folder / "host.db", folder / "link.db");
    const fs::path ini = folder / "odbc.ini";
    std::ofstream(ini) << "[locktest]\nDriver=SQLite3\nDatabase=" << (folder / "sub" / ".." / "host.db").string()
                       << "\n";
    ::setenv("ODBCINI", ini.c_str(), 1);

    const SqliteHostLock first("Driver=SQLite3;Database=" + (folder / "host.db").string() + ";");
    EXPECT_EQ(first.path(), (folder / "host.db").string() + ".host-lock");
    for (const std::string& other :
         {"Driver=SQLite3;Database=" + (folder / "link.db").string(),
          "Driver=SQLite3;Database=" + (folder / "sub" / ".." / "host.db").string(), std::string("DSN=locktest;")}) {
        try {
            SqliteHostLock second(other);
            ADD_FAILURE() << "a second host got past the lock through " << other;
        } catch (const std::runtime_error& e) {
            EXPECT_NE(std::string(e.what()).find("another orderhost process"), std::string::npos) << e.what();
        }
    }
    EXPECT_TRUE(SqliteHostLock("Driver=PostgreSQL Unicode;Server=x;Database=host.db").path().empty());
    ::unsetenv("ODBCINI");
    fs::remove_all(folder);
}

}  // namespace
}  // namespace orderhost::app
