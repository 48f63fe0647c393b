// Who could change a plugin's code: refused unless only the host's user and root can.
//
// A plugin runs with every right of the host, so anyone able to replace its file runs code as
// the host's user (as root, if the host runs as root). Refused (plugins.check_permissions, on
// by default):
//   - a file writable by its group or by everyone, or owned by a user other than the host's
//     user and root;
//   - a plugin's folder (the one holding the file, and the one holding its target when the
//     file is a symbolic link) writable by its group or by everyone — the sticky bit does not
//     make it safe: anyone may still add files, and in a world-writable folder another user
//     can create the file before the administrator does — or owned by another user;
//   - a folder above it that others may write (they could rename the plugin folder and put
//     their own in its place), unless that folder has the sticky bit (/tmp): then only the
//     owner of the entry below may rename it, and that entry's owner is checked.
// Nothing of the file is read or run here: only stat() of the file and of its folders.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

namespace orderhost::plugins {

// The reason for refusing `file`, or "" when only `hostUser` and root can change it (or when
// the file cannot be stat()ed: the file checks report that).
std::string permissionProblem(const std::filesystem::path& file, uid_t hostUser);

}  // namespace orderhost::plugins
