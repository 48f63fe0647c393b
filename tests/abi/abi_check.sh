#!/bin/sh
# ABI check against a committed baseline (DESIGN.md, ABI rule 10), run by ctest (label abi):
#
#   tests/abi/abi_check.sh BASELINE.abi LIBRARY.so...
#
# Each library is compared with BASELINE.abi (abidw XML of the same interface built from the
# FROZEN 1.0 header) by abidiff. Growing a struct at its end and adding functions is what a
# minor version may do; anything else fails: abidiff's "incompatible" bit (8: a function or
# type removed or changed incompatibly), and every other change abidiff reports (bit 4) that
# is not "type size grew" plus "data members inserted at or after the old end". Field
# reordering, a changed field type or a shrunk struct are reported by abidiff only under bit 4
# (not 8), and libabigail 2.2's "has_data_member_inserted_at = end" suppression also hides
# reorders, hence this reading of the leaf report instead of a suppression file.
#
# Regenerating a baseline (only when a new minor is RELEASED, from its frozen header copy):
#   gcc -std=c99 -g -shared -fPIC -fvisibility=hidden -I tests/abi/frozen/1.0 \
#       tests/abi/abi_types.c -o /tmp/t.so && abidw --no-corpus-path --no-show-locs /tmp/t.so \
#       > tests/abi/baseline/abi_types-1.0.abi
#   (plugin_entry-1.0.abi: the same with tests/abi/plugins/abi_compat_plugin.c -DCOMPAT_ID='"x"')
set -u
baseline=$1
shift
status=0
for library in "$@"; do
  report=$(abidiff --leaf-changes-only --no-show-locs "$baseline" "$library")
  rc=$?
  verdict=$(printf '%s\n' "$report" | awk -v rc="$rc" '
    function bad(why) { print why; failed = 1 }
    BEGIN { if (rc % 2 == 1 || int(rc / 2) % 2 == 1) bad("abidiff failed to run (exit " rc ")")
            if (int(rc / 8) % 2 == 1) bad("abidiff: incompatible change (exit bit 8)") }
    /^Leaf changes summary:|^Changed leaf types summary:|^Removed\/Changed\/Added variables summary: 0 Removed, 0 Changed/ { next }
    /^Removed\/Changed\/Added functions summary:/ {
      if ($4 != "0" || $6 != "0") bad("functions removed or changed: " $0); next }
    /^Removed\/Changed\/Added variables summary:/ { bad("variables changed: " $0); next }
    /^[0-9]+ Added functions?:$/ { section = "added"; next }
    /^  \[A\] / && section == "added" { next }
    /^'\''.*'\'' changed:$/ { section = "type"; old = -1; inserting = 0; next }
    section == "type" && /^  type size changed from [0-9]+ to [0-9]+ \(in bits\)$/ {
      old = $5 + 0; if ($7 + 0 < old) bad("struct shrank: " $0); next }
    section == "type" && /^  [0-9]+ data member insertions?:$/ { inserting = 1; next }
    section == "type" && inserting && /, at offset [0-9]+ \(in bits\)$/ {
      n = split($0, parts, "at offset "); split(parts[n], num, " ")
      if (old < 0 || num[1] + 0 < old) bad("member inserted before the old end: " $0); next }
    /^[[:space:]]*$/ { next }
    { bad("not an append-only change: " $0) }
    END { if (!failed) print "ok" }')
  if [ "$verdict" = "ok" ]; then
    echo "abi_check: $library: compatible with $(basename "$baseline")"
  else
    echo "abi_check: $library: INCOMPATIBLE with $(basename "$baseline"):"
    printf '%s\n' "$verdict" | sed 's/^/  /'
    echo "--- abidiff report:"
    printf '%s\n' "$report"
    status=1
  fi
done
exit $status
