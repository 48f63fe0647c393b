// orderhost-plugin-worker: runs ONE plugin library for the host, in its own process.
//
//   orderhost-plugin-worker PLUGIN_FILE      (started by the host; its socket is fd 3)
//
// The host starts it for every plugin listed in plugins.isolate (docs/architecture.md,
// "Isolated plugins"). It loads the plugin with the same loader and checks the host uses,
// answers Hello with the plugin's manifest and declared migrations (or the refusal), then
// serves Create / Run / Compensate / Destroy one at a time. While the plugin runs, every host
// service it calls is a request to the host (RemoteServices.h). It ends when the host closes
// the socket, or with the host (PR_SET_PDEATHSIG); a crash of the plugin ends it with the
// plugin's signal, which the host reports and recovers from.
#include "host/isolation/WorkerFrames.h"
#include "host/plugins/MigrationDeclarations.h"
#include "host/plugins/PluginLibrary.h"
#include "host/worker/RemoteServices.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>

namespace {

using orderhost::isolation::FrameReader;
using orderhost::isolation::FrameWriter;
using orderhost::isolation::Op;
namespace worker = orderhost::worker;
namespace plugins = orderhost::plugins;

struct Instance {
    const oh_step_kind* kind = nullptr;
    void* pointer = nullptr;
    std::string chain;
    std::string step;
};

oh_str str(const std::string& s) { return oh_str{s.data(), s.size()}; }

void sendDone(oh_status status) { worker::sendToHost(FrameWriter(Op::Done).i32(status).bytes()); }

void writeMigrations(FrameWriter& hello, const std::optional<plugins::DeclaredMigrations>& declared) {
    hello.u8(declared ? 1 : 0);
    if (!declared) return;
    hello.str(declared->datasource).u32(static_cast<std::uint32_t>(declared->migrations.size()));
    for (const auto& m : declared->migrations) {
        hello.u32(static_cast<std::uint32_t>(m.version))
            .str(m.description)
            .str(m.sql)
            .str(m.sqlSqlite)
            .str(m.sqlPostgresql);
    }
}

// Hello: 1 + manifest JSON + migrations, or 0 + the reason the plugin was refused.
bool load(const char* file, int fd, plugins::LoadedPlugin& plugin) {
    FrameWriter hello(Op::Hello);
    try {
        plugin = plugins::loadPluginInProcess(file, worker::remoteHostInfo(fd));
        worker::setPluginInfo(plugin.info);
        const auto declared = plugins::readDeclaredMigrations(*plugin.info, plugin.manifest.id);
        hello.u8(1).str(plugin.manifest.toJson());
        writeMigrations(hello, declared);
    } catch (const plugins::PluginRefused& refused) {
        hello = FrameWriter(Op::Hello);
        hello.u8(0).str(refused.reason());
    } catch (const std::exception& e) {
        hello = FrameWriter(Op::Hello);
        hello.u8(0).str(e.what());
    }
    worker::sendToHost(hello.bytes());
    return plugin.info != nullptr;
}

oh_status create(FrameReader& request, const plugins::LoadedPlugin& plugin,
                 std::map<std::uint64_t, Instance>& instances) {
    const std::uint64_t id = request.u64();
    const std::string kindName = request.str();
    Instance instance;
    instance.chain = request.str();
    instance.step = request.str();
    const std::string config = request.str();
    instance.kind = plugin.findStepKind(kindName);
    if (instance.kind == nullptr || instances.count(id) != 0) return OH_STATUS_INVALID_ARGUMENT;
    const oh_create_args args{sizeof(oh_create_args), worker::beginCall(), str(instance.chain), str(instance.step),
                              str(config)};
    const oh_status status = instance.kind->create(&args, &instance.pointer);
    worker::endCall();
    if (status == OH_STATUS_OK) instances[id] = std::move(instance);
    return status;
}

oh_status call(Op op, FrameReader& request, std::map<std::uint64_t, Instance>& instances) {
    const auto found = instances.find(request.u64());
    const std::string orderId = request.str();
    const std::uint32_t attempt = request.u32();
    const std::string idempotencyKey = request.str();
    const std::int64_t deadlineMs = request.i64();
    const auto mode = static_cast<oh_call_mode>(request.u32());
    if (found == instances.end()) return OH_STATUS_INVALID_ARGUMENT;
    const Instance& instance = found->second;
    auto function = op == Op::Run ? instance.kind->run : instance.kind->compensate;
    if (function == nullptr) return OH_STATUS_INVALID_ARGUMENT;
    const oh_step_call stepCall{OH_SIZE_1_2_STEP_CALL, worker::beginCall(), str(orderId),
                                str(instance.chain),   str(instance.step),  attempt,
                                str(idempotencyKey),   deadlineMs,          mode};
    const oh_status status = function(instance.pointer, &stepCall);
    worker::endCall();
    return status;
}

oh_status destroy(FrameReader& request, std::map<std::uint64_t, Instance>& instances) {
    const auto found = instances.find(request.u64());
    if (found == instances.end()) return OH_STATUS_NOT_FOUND;
    found->second.kind->destroy(found->second.pointer);
    instances.erase(found);
    return OH_STATUS_OK;
}

int serve(int fd, const plugins::LoadedPlugin& plugin) {
    std::map<std::uint64_t, Instance> instances;
    for (;;) {
        std::string body;
        const auto read = orderhost::isolation::readFrame(fd, body, std::chrono::steady_clock::time_point::max());
        if (read == orderhost::isolation::ReadResult::Closed) return 0;  // the host let us go
        if (read != orderhost::isolation::ReadResult::Frame) return 3;
        try {
            FrameReader request(body);
            const Op op = request.op();
            if (op == Op::Create)
                sendDone(create(request, plugin, instances));
            else if (op == Op::Run || op == Op::Compensate)
                sendDone(call(op, request, instances));
            else if (op == Op::Destroy)
                sendDone(destroy(request, instances));
            else
                return 3;
        } catch (const orderhost::isolation::FrameError& e) {
            std::fprintf(stderr, "orderhost-plugin-worker: unreadable request from the host: %s\n", e.what());
            return 3;
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: orderhost-plugin-worker PLUGIN_FILE (started by orderhost, socket on fd %d)\n",
                     orderhost::isolation::kWorkerSocketFd);
        return 2;
    }
    // Never outlive the host: an orphaned worker would hold a plugin's resources for nothing.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() == 1) return 0;
    ::signal(SIGPIPE, SIG_IGN);
    // A sanitizer's or other runtime's crash handler would turn the plugin's own signal into
    // an abort or an exit code: the host reports the signal the plugin died of (as the probe).
    for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGSYS}) ::signal(sig, SIG_DFL);
    const int fd = orderhost::isolation::kWorkerSocketFd;
    plugins::LoadedPlugin plugin;
    // _exit: instances the host did not destroy and the plugin's statics are not ours to tear
    // down (the library is never unloaded either).
    if (!load(argv[1], fd, plugin)) ::_exit(0);
    ::_exit(serve(fd, plugin));
}
