// One host per SQLite database file: a second orderhost started on the same file is refused
// at start, before it migrates or runs anything.
//
// SQLite serves one host (several hosts share PostgreSQL): two hosts on one file would each
// take the other's orders for their own after a restart, and share one write lock. The lock
// is an exclusive flock() on "<database file>.host-lock", held for the host's lifetime.
// Chosen over SQLite's own locking (PRAGMA locking_mode=EXCLUSIVE) because that also locks
// out readers — an administrator's sqlite3 shell, a backup — and would be held by one pooled
// connection that the pool may close; flock() is released by the kernel when the process ends
// in any way (SIGKILL included), so a crash never leaves a stale lock behind.
//
//   SqliteHostLock lock(settings.databaseConnection);  // throws when another host holds it
#pragma once

#include <string>

namespace orderhost::app {

class SqliteHostLock {
public:
    // Locks when the connection string names an SQLite file (Driver=SQLite3;Database=..., or
    // a DSN whose odbc.ini entry does), by the file's resolved path (symbolic links followed);
    // does nothing for PostgreSQL. Throws std::runtime_error naming the file (and the holder's
    // process id) when another process holds the lock.
    explicit SqliteHostLock(const std::string& connectionString);
    ~SqliteHostLock();
    SqliteHostLock(const SqliteHostLock&) = delete;
    SqliteHostLock& operator=(const SqliteHostLock&) = delete;

    const std::string& path() const { return path_; }  // empty: nothing locked

private:
    std::string path_;
    int fd_ = -1;
};

}  // namespace orderhost::app
