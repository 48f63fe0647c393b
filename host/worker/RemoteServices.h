// The host services as an isolated plugin sees them inside orderhost-plugin-worker.
//
// The worker hands the plugin an oh_host_services table (and the orderhost.db / orderhost.events
// extension tables) with the same layout as the host's; each function turns its call into a
// request to the host over the worker's socket and waits for the answer, which the host
// computes with the call's real services (host/isolation/ServiceRelay.h). Strings the host
// returns are kept here until the current plugin call returns, as the ABI promises.
//
// Thread-safe: a plugin may call services from any thread inside a call (one request is on
// the socket at a time) and log_plugin from any thread at any time. A context other than the
// current call's is refused here, without asking the host.
#pragma once

#include <orderhost/plugin_api.h>

#include <string>

namespace orderhost::worker {

// The oh_host_info handed to the plugin's entry function; its services forward to `fd`.
const oh_host_info& remoteHostInfo(int fd);

// Tells log_plugin which oh_plugin_info is this worker's plugin.
void setPluginInfo(const oh_plugin_info* info);

// Starts a plugin call: the context to put into oh_create_args / oh_step_call.
oh_context* beginCall();
// Ends it: the context is refused from now on and the strings handed out are freed.
void endCall();

// Sends one frame to the host while no service request is on the socket. Exits the process
// when the host is gone (there is no one left to serve).
void sendToHost(const std::string& frame);

}  // namespace orderhost::worker
