#include "host/plugins/PluginPermissions.h"

#include <pwd.h>
#include <sys/stat.h>

#include <cstdio>
#include <vector>

namespace orderhost::plugins {
namespace fs = std::filesystem;
namespace {

std::string octalMode(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
}

std::string userName(uid_t uid) {
    const passwd* user = ::getpwuid(uid);
    return "uid " + std::to_string(uid) + (user ? " (" + std::string(user->pw_name) + ")" : "");
}

// Why `owner` is not trusted, or "" (the host's user and root are).
std::string ownerProblem(const std::string& what, uid_t owner, uid_t hostUser) {
    if (owner == 0 || owner == hostUser) return "";
    return what + " is owned by " + userName(owner) + ", not by the host's user (" + userName(hostUser) +
           ") or root: its owner could replace the plugin's code";
}

std::string writableProblem(const std::string& what, mode_t mode, const std::string& fix) {
    if ((mode & (S_IWGRP | S_IWOTH)) == 0) return "";
    const std::string who = (mode & S_IWOTH) ? "everyone" : "its group";
    return what + " is writable by " + who + " (mode " + octalMode(mode) + "): they could replace the plugin's code (" +
           fix + ")";
}

// The folder that holds a plugin file: nobody else may write it, sticky or not.
std::string pluginFolderProblem(const fs::path& folder, uid_t hostUser) {
    struct stat st {};
    if (::stat(folder.c_str(), &st) != 0) return "cannot stat its folder " + folder.string();
    const std::string what = "its folder " + folder.string();
    if (auto owner = ownerProblem(what, st.st_uid, hostUser); !owner.empty()) return owner;
    const std::string fix = (st.st_mode & S_ISVTX) ? "the sticky bit does not prevent adding files; use a folder "
                                                     "only the host's user or root can write"
                                                   : "chmod go-w " + folder.string();
    return writableProblem(what, st.st_mode, fix);
}

// A folder above the plugin folder: others may not write it, unless it is sticky.
std::string ancestorProblem(const fs::path& folder, uid_t hostUser) {
    struct stat st {};
    if (::stat(folder.c_str(), &st) != 0) return "cannot stat the folder " + folder.string();
    const std::string what = "the folder " + folder.string() + " above the plugin";
    if (auto owner = ownerProblem(what, st.st_uid, hostUser); !owner.empty()) return owner;
    if (st.st_mode & S_ISVTX) return "";
    return writableProblem(what, st.st_mode, "chmod go-w " + folder.string());
}

std::string folderChainProblem(const fs::path& folder, uid_t hostUser) {
    if (auto problem = pluginFolderProblem(folder, hostUser); !problem.empty()) return problem;
    for (fs::path above = folder.parent_path(); !above.empty(); above = above.parent_path()) {
        if (auto problem = ancestorProblem(above, hostUser); !problem.empty()) return problem;
        if (above == above.root_path()) break;
    }
    return "";
}

}  // namespace

std::string permissionProblem(const fs::path& file, uid_t hostUser) {
    struct stat st {};
    // A missing file or a symlink loop: the file checks that follow say which, precisely.
    if (::stat(file.c_str(), &st) != 0) return "";
    if (auto owner = ownerProblem("the file", st.st_uid, hostUser); !owner.empty()) return owner;
    if (auto writable = writableProblem("the file", st.st_mode, "chmod go-w " + file.string()); !writable.empty())
        return writable;
    // The folder the name is in, and (for a symbolic link) the one its target is in.
    const fs::path named = fs::absolute(file).lexically_normal();
    std::vector<fs::path> folders{named.parent_path()};
    std::error_code ec;
    const fs::path target = fs::canonical(file, ec);
    if (!ec && target.parent_path() != folders.front()) folders.push_back(target.parent_path());
    for (const auto& folder : folders) {
        if (auto problem = folderChainProblem(folder, hostUser); !problem.empty()) return problem;
    }
    return "";
}

}  // namespace orderhost::plugins
