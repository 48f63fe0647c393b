#!/bin/sh
# check_exports.sh PLUGIN.so... — each plugin must export exactly one dynamic symbol,
# orderhost_plugin_entry (ABI rule 1): anything else could collide with another plugin's
# symbols or the host's, and would become an accidental interface.
set -eu
status=0
for so in "$@"; do
  symbols=$(nm -D --defined-only "$so" | awk '{ print $NF }' | sort)
  if [ "$symbols" = "orderhost_plugin_entry" ]; then
    echo "ok: $so exports only orderhost_plugin_entry"
  else
    echo "FAIL: $so exports:" >&2
    echo "$symbols" >&2
    status=1
  fi
done
exit $status
