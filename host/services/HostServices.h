// The C services table every plugin receives, and the host's self-description for the
// negotiation. One table for the whole process; each function finds its call through the
// oh_context the plugin passes back.
#pragma once

#include <orderhost/plugin_api.h>

namespace orderhost::services {

// The table, valid for the life of the process.
const oh_host_services& hostServices();

// What the host offers in orderhost_plugin_entry (ABI version, name, services).
const oh_host_info& hostInfo();

}  // namespace orderhost::services
