// The host side of the "orderhost.db/1" extension (plugin-api/include/orderhost/ext/db.h):
// plugins run SQL on the host's database, inside the step's transaction, or on a named
// datasource in autocommit. The oh_context of a run()/compensate() call carries both
// (CallContext.h); every refusal sets a non-OK status and a one-line message naming the
// datasource, reported with report_error as well.
#pragma once

#include <orderhost/ext/db.h>

namespace orderhost::services {

// The extension's table, valid for the life of the process (what get_extension returns).
const oh_db_ext& databaseExtension();

}  // namespace orderhost::services
