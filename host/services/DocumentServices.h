// The document services of oh_host_services: reads of the order document and the step's
// config, and writes of the order (1.0: get_json, get_string, get_int, get_size, set_json;
// since 1.1: get_bool, get_key, remove_value). HostServices.cpp puts them into the table.
//
// Each one finds its call through the oh_context, refuses with OH_STATUS_ABANDONED once the
// runner stopped waiting for that call, and never lets a C++ exception cross the boundary.
#pragma once

#include "host/plugins/AbiText.h"
#include "host/services/CallContext.h"

#include <orderhost/plugin_api.h>

#include <string>
#include <string_view>

namespace orderhost::services {

// Keeps `value` alive until the current call returns and points `out` at it.
void handOut(oh_context* ctx, std::string value, oh_str* out);

oh_status getJson(oh_context* ctx, oh_document doc, oh_str path, oh_str* out);
oh_status getString(oh_context* ctx, oh_document doc, oh_str path, oh_str* out);
oh_status getInt(oh_context* ctx, oh_document doc, oh_str path, std::int64_t* out);
oh_status getSize(oh_context* ctx, oh_document doc, oh_str path, std::size_t* out);
oh_status setJson(oh_context* ctx, oh_str path, oh_str json);
oh_status getBool(oh_context* ctx, oh_document doc, oh_str path, std::int32_t* out);
oh_status getKey(oh_context* ctx, oh_document doc, oh_str path, std::size_t index, oh_str* out);
oh_status removeValue(oh_context* ctx, oh_str path);

}  // namespace orderhost::services
