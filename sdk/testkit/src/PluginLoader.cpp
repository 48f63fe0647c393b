// PluginLoader.cpp — dlopen + orderhost_plugin_entry, cached per file and host level.
#include "PluginLoader.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <utility>

namespace orderhost::testkit {
namespace {

// What the manifest check of the host refuses, as one message; "" when acceptable.
std::string checkInfo(const oh_plugin_info* info) {
  if (!OH_HAS_FIELD(info, oh_plugin_info, get_extension))
    return "oh_plugin_info.struct_size " + std::to_string(info->struct_size) +
           " is below its 1.0 size " + std::to_string(OH_SIZE_1_0_PLUGIN_INFO);
  if (info->abi_major != OH_ABI_MAJOR)
    return "the plugin speaks ABI " + std::to_string(info->abi_major) + "." +
           std::to_string(info->abi_minor) + ", the test kit " + std::to_string(OH_ABI_MAJOR) +
           ".x";
  if (info->id.len == 0) return "the plugin id is empty";
  for (std::uint32_t i = 0; i < info->step_kind_count; ++i) {
    const oh_step_kind* kind = info->step_kinds ? info->step_kinds[i] : nullptr;
    const std::string where = "step_kinds[" + std::to_string(i) + "]";
    if (kind == nullptr) return where + " is NULL";
    if (!OH_HAS_FIELD(kind, oh_step_kind, destroy))
      return where + ".struct_size " + std::to_string(kind->struct_size) +
             " is below its 1.0 size " + std::to_string(OH_SIZE_1_0_STEP_KIND);
    if (!kind->create || !kind->run || !kind->destroy)
      return where + " lacks create, run or destroy";
  }
  return "";
}

// A private copy of `file` (deleted once mapped), so dlopen gives a fresh instance.
std::string privateCopy(const std::string& file, std::string& error) {
  const char* tmp = std::getenv("TMPDIR");
  std::string copy =
      std::string(tmp && *tmp ? tmp : "/tmp") + "/orderhost-testkit-plugin-XXXXXX.so";
  const int fd = mkstemps(copy.data(), 3);
  if (fd < 0) {
    error = "cannot create " + copy;
    return "";
  }
  close(fd);
  std::ifstream in(file, std::ios::binary);
  std::ofstream out(copy, std::ios::binary | std::ios::trunc);
  out << in.rdbuf();
  if (!in || !out) error = "cannot copy " + file + " to " + copy;
  return copy;
}

}  // namespace

std::string text(oh_str s) { return s.ptr ? std::string(s.ptr, s.len) : std::string(); }

const oh_plugin_info* loadPlugin(const std::string& file, const oh_host_info& host, int level,
                                 std::string& error) {
  static std::mutex mutex;
  static std::map<std::pair<std::string, int>, const oh_plugin_info*> loaded;
  static std::map<std::string, int> filesLoaded;  // real path -> levels loaded so far
  std::lock_guard<std::mutex> lock(mutex);
  char resolved[PATH_MAX];
  if (realpath(file.c_str(), resolved) == nullptr) {
    error = "plugin " + file + ": no such file";
    return nullptr;
  }
  const std::string path = resolved;
  auto known = loaded.find({path, level});
  if (known != loaded.end()) return known->second;

  std::string opened = path;
  if (filesLoaded[path]++ > 0) {
    opened = privateCopy(path, error);
    if (!error.empty()) return nullptr;
  }
  void* library = dlopen(opened.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (opened != path) unlink(opened.c_str());
  if (library == nullptr) {
    error = "plugin " + file + ": dlopen failed: " + dlerror();
    return nullptr;
  }
  auto entry = reinterpret_cast<oh_plugin_entry_fn>(dlsym(library, OH_PLUGIN_ENTRY_NAME));
  if (entry == nullptr) {
    error = "plugin " + file +
            ": no exported " OH_PLUGIN_ENTRY_NAME " (build it with orderhost_add_plugin)";
    return nullptr;
  }
  const oh_plugin_info* info = entry(&host);
  if (info == nullptr) {
    error = "plugin " + file + ": the entry returned NULL (the plugin refused the host)";
    return nullptr;
  }
  const std::string why = checkInfo(info);
  if (!why.empty()) {
    error = "plugin " + file + " refused: " + why;
    return nullptr;
  }
  loaded[{path, level}] = info;
  return info;
}

const oh_step_kind* findStepKind(const oh_plugin_info& plugin, const std::string& name) {
  for (std::uint32_t i = 0; i < plugin.step_kind_count; ++i)
    if (text(plugin.step_kinds[i]->name) == name) return plugin.step_kinds[i];
  return nullptr;
}

}  // namespace orderhost::testkit
