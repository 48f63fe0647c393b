#!/usr/bin/env bash
# Installs the orderhost and orderhost-dev .debs (built by build_deb.sh, the ctest fixture) on
# this machine the way an administrator does — `apt-get install ./orderhost_*.deb
# ./orderhost-dev_*.deb` — so the maintainer scripts run for
# real, and checks what they leave: the service user, the state and log directories and their
# modes, the conffiles, the unit enabled without a running systemd; the host started as the unit
# starts it (its User, Group, WorkingDirectory, UMask, ExecStart, a clean environment, no
# capabilities) answering /v1/health on the shipped config, chains and plugins; the admin CLI;
# SIGHUP (ExecReload) and SIGTERM (stop); an edited conffile kept by a reinstall and an upgrade;
# `apt-get remove` keeping config and data; `apt-get purge` leaving none of the packages' files;
# the SDK found by pkg-config and a C compiler.
#
# Needs root (the CI runner is): otherwise, or when the machine already has an orderhost
# package, /etc/orderhost or /var/lib/orderhost of its own, it prints SKIP and exits 77
# (ctest: skipped). Whatever happens, the exit trap purges the package and deletes the service
# user it created, so a failed run leaves the machine as it found it.
# Usage: deb_install_test.sh DEB_DIR VERSION-REVISION PLUGIN_TARGET[,PLUGIN_TARGET...]
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "installing the package needs root (ctest runs as root in CI)"
for tool in apt-get dpkg setpriv runuser deluser curl flock; do
  command -v "$tool" >/dev/null || skip "$tool is not installed"
done

src_deb=$(ls "$1"/orderhost_*.deb)
src_dev=$(ls "$1"/orderhost-dev_*.deb)
full=$2                         # the Debian version, e.g. 0.1.0-2
version=${full%-*}              # the upstream part
next_full=$version-$((${full##*-} + 1))  # the upgrade's version
IFS=, read -r -a plugins <<<"$3"
conf=/etc/orderhost/orderhost.properties
unit=/lib/systemd/system/orderhost.service

# One run at a time on this machine: another build tree's run installs the same package.
exec 9>/run/lock/orderhost-deb-install-test.lock
flock -w 300 9 || { echo "FAIL: another deb_install_test.sh held its lock for 300 s" >&2; exit 1; }

# status_of [PACKAGE]: dpkg's status of orderhost (or PACKAGE).
status_of() { dpkg-query -W -f '${db:Status-Status}' "${1:-orderhost}" 2>/dev/null || echo not-installed; }
for package in orderhost orderhost-dev; do
  [ "$(status_of $package)" = not-installed ] ||
    skip "this machine has an $package package ($(status_of $package)): the test would replace and purge it"
done
for dir in /etc/orderhost /var/lib/orderhost /var/log/orderhost; do
  [ ! -e "$dir" ] || skip "$dir exists: the test's purge would delete it"
done
getent passwd orderhost >/dev/null && user_existed=yes || user_existed=no
getent group orderhost >/dev/null && group_existed=yes || group_existed=no

apt() { DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=120 "$@"; }
work=$(mktemp -d "${TMPDIR:-/tmp}/orderhost-deb-install.XXXXXX")
chmod 0755 "$work"  # apt's _apt user reads the .deb from here
cp "$src_deb" "$src_dev" "$work/"
deb="$work/$(basename "$src_deb")"
dev="$work/$(basename "$src_dev")"
chmod 0644 "$deb" "$dev"
host_pid=""

cleanup() {
  set +e
  if [ -n "$host_pid" ]; then kill -TERM "$host_pid" 2>/dev/null; wait "$host_pid" 2>/dev/null; fi
  if [ "$(status_of orderhost-dev)" != not-installed ]; then
    echo "cleanup: purging the orderhost-dev package"
    if ! dpkg --purge orderhost-dev >"$work/cleanup-dev.log" 2>&1; then
      cat "$work/cleanup-dev.log" >&2
      rm -f /var/lib/dpkg/info/orderhost-dev.postrm
      dpkg --purge --force-remove-reinstreq orderhost-dev
    fi
  fi
  if [ "$(status_of)" != not-installed ]; then
    echo "cleanup: purging the orderhost package"
    if ! dpkg --purge orderhost >"$work/cleanup.log" 2>&1; then
      # A broken maintainer script must not leave the package on the machine.
      cat "$work/cleanup.log" >&2
      rm -f /var/lib/dpkg/info/orderhost.prerm /var/lib/dpkg/info/orderhost.postrm
      dpkg --purge --force-remove-reinstreq orderhost
      deb-systemd-helper purge orderhost.service >/dev/null 2>&1
      deb-systemd-helper unmask orderhost.service >/dev/null 2>&1
      rm -rf /etc/orderhost /var/lib/orderhost /var/log/orderhost
    fi
  fi
  if [ -s "$work/extra-packages" ]; then
    # shellcheck disable=SC2046
    apt purge $(cat "$work/extra-packages") >/dev/null
  fi
  [ "$user_existed" = yes ] || ! getent passwd orderhost >/dev/null || deluser --quiet --system orderhost 2>/dev/null
  [ "$group_existed" = yes ] || ! getent group orderhost >/dev/null || delgroup --quiet --system orderhost
  rm -rf "$work"
}
trap cleanup EXIT

# Every path named *orderhost* outside the package manager's own files: purge must restore it.
orderhost_names() {
  find /etc /usr /var -xdev \( -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/cache \
    -o -path /var/log/apt -o -path /var/tmp \) -prune -o -name '*orderhost*' -print 2>/dev/null | sort || true
}
orderhost_names >"$work/names.before"
# The packages' paths and whether each was there before (/usr/bin is; /usr/lib/orderhost is not).
{ dpkg-deb --fsys-tarfile "$deb" | tar -t; dpkg-deb --fsys-tarfile "$dev" | tar -t; } |
  sed -e 's#^\.##' -e 's#/$##' | grep . | sort -u |
  while read -r path; do [ -e "$path" ] && echo "had $path" || echo "new $path"; done >"$work/paths.before"

# install_deb LOG DEB... with apt-get or dpkg: the maintainer scripts must finish and print no
# warning or error (adduser's, chown's, deb-systemd-helper's ...).
run_logged() {
  local log=$1; shift
  if ! "$@" >"$log" 2>&1; then fail "$*: $(cat "$log")"; return 1; fi
  if grep -viE '^N: Download is performed unsandboxed' "$log" | grep -iE 'warn|error|fail|cannot|invalid'; then
    fail "$* printed warnings or errors (above)"
  fi
  pass "$*"
}

# --- install ----------------------------------------------------------------------------------
# What apt-get would pull besides the package (nothing on a machine set up by install-deps.sh):
# installed too, and purged by the cleanup.
apt install -s "$deb" "$dev" | awk '/^Inst / && $2 != "orderhost" && $2 != "orderhost-dev" {print $2}' \
  >"$work/extra-packages"
[ -s "$work/extra-packages" ] && echo "note: apt-get also installs: $(tr '\n' ' ' <"$work/extra-packages")"
run_logged "$work/install.log" apt install "$deb" "$dev" || exit 1
[ "$(status_of)" = installed ] && pass "dpkg: orderhost installed" || fail "dpkg status is $(status_of)"
[ "$(status_of orderhost-dev)" = installed ] && pass "dpkg: orderhost-dev installed" ||
  fail "orderhost-dev's dpkg status is $(status_of orderhost-dev)"
# The SDK as a build without CMake finds it: pkg-config's default path, /usr relative to the
# file; the test kit is known to the dynamic linker (the ldconfig trigger ran).
if command -v pkg-config >/dev/null; then
  got=$(pkg-config --libs orderhost-testkit 2>&1)
  include=$(realpath -m "$(pkg-config --variable=includedir orderhost-sdk 2>&1)")
  [[ "$got" == *-lorderhost-testkit* ]] && [ "$include" = /usr/include ] &&
    pass "pkg-config finds the SDK in /usr (libs: $got)" || fail "pkg-config gave libs '$got', includedir '$include'"
  if command -v cc >/dev/null; then
    # A C99 test program built against the installed test kit, run on an installed plugin.
    cat >"$work/kit.c" <<'C'
#include <orderhost/testkit.h>
#include <stdio.h>
int main(void) {
    oh_testkit *kit = oh_testkit_new("/usr/lib/orderhost/plugins/orderhost-noop.so", OH_TESTKIT_HOST_1_1);
    const char *error = oh_testkit_setup_error(kit);
    int ok = error[0] == '\0' && oh_testkit_plugin(kit) != NULL;
    if (ok) printf("loaded %.*s\n", (int)oh_testkit_plugin(kit)->id.len, oh_testkit_plugin(kit)->id.ptr);
    else printf("not loaded: %s\n", error);
    oh_testkit_free(kit);
    return ok ? 0 : 1;
}
C
    # shellcheck disable=SC2046
    if cc -std=c99 $(pkg-config --cflags orderhost-testkit) "$work/kit.c" -o "$work/kit" \
         $(pkg-config --libs orderhost-testkit) >"$work/cc.log" 2>&1 && "$work/kit" >>"$work/cc.log" 2>&1; then
      pass "a C99 program built with pkg-config runs the installed test kit on an installed plugin: $(tail -1 "$work/cc.log")"
    else
      fail "building or running a program against the installed test kit: $(cat "$work/cc.log")"
    fi
  fi
else
  echo "note: pkg-config is not installed; the SDK's .pc files are not checked"
fi
# (Not a pipe into grep -q: ldconfig would die of SIGPIPE when grep stops early, and pipefail.)
ldconfig -p >"$work/ldconfig"
grep -q 'liborderhost-testkit.so.0 ' "$work/ldconfig" && pass "ldconfig knows liborderhost-testkit.so.0" ||
  fail "liborderhost-testkit.so.0 is not in the dynamic linker's cache"

# The service user: a system account with the documented home and no login shell.
IFS=: read -r _ _ uid gid _ home shell <<<"$(getent passwd orderhost)"
[ -n "$uid" ] && [ "$uid" -lt 1000 ] && pass "user orderhost is a system user (uid $uid)" ||
  fail "user orderhost: uid '$uid' is not a system uid"
[ "$(getent group orderhost | cut -d: -f3)" = "$gid" ] && pass "primary group orderhost (gid $gid)" ||
  fail "orderhost's primary group is gid $gid, not the orderhost group"
[ "$home" = /var/lib/orderhost ] && pass "home /var/lib/orderhost" || fail "orderhost's home is $home"
[ "$shell" = /usr/sbin/nologin ] && pass "no login shell" || fail "orderhost's shell is $shell"

# mode PATH OWNER:GROUP OCTAL
mode() {
  local got
  got=$(stat -c '%U:%G %a' "$1" 2>&1)
  [ "$got" = "$2 $3" ] && pass "$1 is $2 $3" || fail "$1 is $got, want $2 $3"
}
mode /var/lib/orderhost orderhost:orderhost 750
mode /var/log/orderhost orderhost:orderhost 750
mode /etc/orderhost root:root 755
mode "$conf" root:orderhost 640
for chain in /etc/orderhost/chains/*.yaml; do mode "$chain" root:root 644; done

# Every file of /etc/orderhost is a conffile in dpkg's database.
conffiles=$(dpkg-query -W -f '${Conffiles}\n' orderhost | awk 'NF {print $1}' | sort)
etc_files=$(find /etc/orderhost -type f | sort)
[ -n "$conffiles" ] && [ "$conffiles" = "$etc_files" ] && pass "every file of /etc/orderhost is a conffile" ||
  fail "conffiles ($conffiles) differ from the files in /etc/orderhost ($etc_files)"

# No systemd runs here: postinst enabled the unit (started at the next boot) and did not fail.
wants=/etc/systemd/system/multi-user.target.wants/orderhost.service
[ "$(readlink "$wants")" = "$unit" ] && pass "unit enabled without a running systemd ($wants)" ||
  fail "unit not enabled: $wants -> '$(readlink "$wants" || true)'"

# --- the service, started as its unit starts it -------------------------------------------------
unit_value() { sed -n "s/^$1=//p" "$unit" | tail -1; }
# start_service NAME: ExecStart as User/Group with the unit's WorkingDirectory, UMask,
# LimitNOFILE, NoNewPrivileges and empty CapabilityBoundingSet, in the clean environment systemd
# gives a service.
start_service() {
  local -a cmd
  read -r -a cmd <<<"$(unit_value ExecStart)"
  (
    # LimitNOFILE, or this container's hard limit when that is lower.
    ulimit -n "$(unit_value LimitNOFILE)" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
    cd "$(unit_value WorkingDirectory)" && umask "$(unit_value UMask)" &&
      exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin HOME="$home" USER=orderhost \
        LOGNAME=orderhost SHELL="$shell" setpriv --reuid="$(unit_value User)" --regid="$(unit_value Group)" \
        --init-groups --no-new-privs --bounding-set=-all "${cmd[@]}"
  ) >"$work/host-$1.log" 2>&1 &
  host_pid=$!
  host_log="$work/host-$1.log"
}
# stop_service NAME: SIGTERM (systemctl stop) → exit status 0 within TimeoutStopSec, or the
# unit would count as failed (and Restart=on-failure would start it again).
stop_service() {
  local status=0
  kill -TERM "$host_pid"
  wait "$host_pid" || status=$?
  host_pid=""
  [ "$status" = 0 ] && pass "$1: SIGTERM stops the host with status 0" ||
    fail "$1: the host exited with $status on SIGTERM: $(tail -5 "$host_log")"
}
# expect_health NAME: the host answers on the port of the (edited) config.
expect_health() {
  local health
  health=$(wait_health "$port" "$host_pid")
  healthy "$health" "${#plugins[@]}" && pass "$1: /v1/health $health" ||
    fail "$1: /v1/health is '$health', want ok, 6 chains, ${#plugins[@]} plugins: $(cat "$host_log")"
}

# The administrator's edit of a conffile: another port (8080 may be taken on this machine).
port=$(free_port)
sed -i "s/^http.port = .*/http.port = $port/" "$conf"
start_service first
expect_health "first start"

# The admin CLI as documented: the first key made as the service user, then the commands that
# work against the running host, and chains validate / config show as root (sudo).
as_service() { (cd / && runuser -u orderhost -- "$@"); }
key=$(as_service orderhost keys create --config "$conf" --name package-test --role admin 2>"$work/keys.err") &&
  [ -n "$key" ] && pass "keys create as the service user" || fail "keys create: $(cat "$work/keys.err")"
keys=$(as_service orderhost keys list --config "$conf" 2>&1) || true
grep -q package-test <<<"$keys" && pass "keys list as the service user" || fail "keys list: $keys"
# cli NAME EXPECT ARGS...: orderhost ARGS as root exits 0 and prints EXPECT.
cli() {
  local name=$1 expect=$2 out; shift 2
  if out=$(orderhost "$@" 2>&1) && grep -q -- "$expect" <<<"$out"; then pass "orderhost $name"
  else fail "orderhost $name: $out"; fi
}
cli "plugins list" orderhost.credit plugins list --config "$conf" --token "$key"
[ "$(orderhost plugins list --config "$conf" --token "$key" --json | grep -c '"id"')" = "${#plugins[@]}" ] &&
  pass "plugins list shows ${#plugins[@]} plugins" || fail "plugins list --json: $(orderhost plugins list --config "$conf" --token "$key" --json 2>&1)"
cli "chains list" place-order chains list --config "$conf" --token "$key"
cli "chains validate" ": ok" chains validate --config "$conf" /etc/orderhost/chains/*.yaml
cli "config show" "http.port = $port" config show --config "$conf"
cli "orders list" "ORDER_REF" orders list --config "$conf" --token "$key"
# Commands run as root must not leave files the service cannot write in its state directory.
root_owned=$(find /var/lib/orderhost /var/log/orderhost ! -user orderhost)
[ -z "$root_owned" ] && pass "everything in /var/lib/orderhost and /var/log/orderhost is orderhost's" ||
  fail "not the service user's: $root_owned"
mode /var/lib/orderhost/orderhost.db orderhost:orderhost 640

# ExecReload: SIGHUP reads chains and plugins again; the host keeps serving.
kill -HUP "$host_pid"
for _ in $(seq 1 50); do grep -q 'reload requested by .* done' "$host_log" && break; sleep 0.2; done
grep -q 'reload requested by .* done' "$host_log" && pass "SIGHUP reloads" ||
  fail "no reload done after SIGHUP: $(tail -5 "$host_log")"
expect_health "after SIGHUP"
stop_service "first start"
# ProtectSystem=strict lets the service write only its state and log directories.
elsewhere=$(find /etc /usr /var -xdev -user orderhost ! -path '/var/lib/orderhost*' ! -path '/var/log/orderhost*')
[ -z "$elsewhere" ] && pass "the service wrote nowhere but /var/lib/orderhost" || fail "files of orderhost elsewhere: $elsewhere"

# --- reinstall and upgrade keep the edited conffile -------------------------------------------
kept_edit() {
  grep -qx "http.port = $port" "$conf" && pass "$1: the edit of $conf is kept" ||
    fail "$1: $conf lost the edit: $(grep '^http.port' "$conf")"
  mode "$conf" root:orderhost 640
  local leftovers
  leftovers=$(find /etc/orderhost -name '*.dpkg-*')
  [ -z "$leftovers" ] && pass "$1: no .dpkg-new/.dpkg-dist files" || fail "$1: $leftovers"
}
run_logged "$work/reinstall.log" dpkg -i "$deb"
kept_edit "reinstall (dpkg -i, same version)"

# An upgrade to $next_full, whose place-order.yaml differs (a new comment): dpkg replaces the
# unedited conffile and keeps the edited one without asking.
dpkg-deb -R "$deb" "$work/next"
sed -i "s/^Version: .*/Version: $next_full/" "$work/next/DEBIAN/control"
echo "# upgraded" >>"$work/next/etc/orderhost/chains/place-order.yaml"
(cd "$work/next" && md5sum etc/orderhost/chains/place-order.yaml) >"$work/sum"
sed -i "s#^[0-9a-f]*  etc/orderhost/chains/place-order.yaml\$#$(cat "$work/sum")#" "$work/next/DEBIAN/md5sums"
next="$work/orderhost_${next_full}.deb"
dpkg-deb --root-owner-group -Zgzip -z1 -b "$work/next" "$next" >/dev/null
chmod 0644 "$next"
run_logged "$work/upgrade.log" apt install "$next"
[ "$(dpkg-query -W -f '${Version}' orderhost)" = "$next_full" ] && pass "upgraded to $next_full" ||
  fail "version after the upgrade: $(dpkg-query -W -f '${Version}' orderhost)"
kept_edit "upgrade (apt-get install, $next_full)"
tail -1 /etc/orderhost/chains/place-order.yaml | grep -qx '# upgraded' &&
  pass "upgrade: the unedited conffile place-order.yaml is the new one" || fail "upgrade: place-order.yaml not replaced"
start_service upgraded
expect_health "start after the upgrade"
keys=$(as_service orderhost keys list --config "$conf" 2>&1) || true
grep -q package-test <<<"$keys" &&
  pass "upgrade: the database kept its data (the key)" || fail "upgrade: the key is gone"
stop_service "after the upgrade"

# --- remove keeps config and data; installing again enables the unit again ---------------------
run_logged "$work/remove.log" apt remove orderhost
[ "$(status_of)" = config-files ] && pass "remove: config-files left" || fail "status after remove: $(status_of)"
[ ! -e /usr/bin/orderhost ] && [ ! -e "$unit" ] && pass "remove: the program and the unit are gone" ||
  fail "remove left /usr/bin/orderhost or the unit"
grep -qx "http.port = $port" "$conf" && pass "remove: the edited config stays" || fail "remove: $conf gone or changed"
[ -s /var/lib/orderhost/orderhost.db ] && pass "remove: the database stays" || fail "remove: the database is gone"
getent passwd orderhost >/dev/null && pass "remove: the user stays" || fail "remove: the user is gone"
run_logged "$work/install-again.log" apt install "$next"
[ "$(readlink "$wants")" = "$unit" ] && [ ! -L /etc/systemd/system/orderhost.service ] &&
  pass "install after remove: the unit is enabled again, not masked" ||
  fail "install after remove: $(ls -l /etc/systemd/system/orderhost.service "$wants" 2>&1)"

# --- purge leaves nothing ---------------------------------------------------------------------
run_logged "$work/purge.log" apt purge orderhost orderhost-dev
[ "$(status_of)" = not-installed ] && [ "$(status_of orderhost-dev)" = not-installed ] &&
  pass "purge: neither package is installed" || fail "status after purge: $(status_of), $(status_of orderhost-dev)"
left=$(awk '$1 == "new" {print $2}' "$work/paths.before" | while read -r p; do [ ! -e "$p" ] || echo "$p"; done)
[ -z "$left" ] && pass "purge: none of the package's files is left" || fail "purge left: $left"
gone=$(awk '$1 == "had" {print $2}' "$work/paths.before" | while read -r p; do [ -e "$p" ] || echo "$p"; done)
[ -z "$gone" ] && pass "purge: the directories that were there before stay" || fail "purge deleted: $gone"
orderhost_names >"$work/names.after"
diff "$work/names.before" "$work/names.after" >"$work/names.diff" &&
  pass "purge: no path named *orderhost* left in /etc, /usr, /var" || fail "purge left: $(cat "$work/names.diff")"
# Documented (postrm): the user and group stay, files elsewhere may still be theirs.
getent passwd orderhost >/dev/null && pass "purge: the orderhost user stays (as documented)" ||
  fail "purge deleted the user, docs/admin-guide.md says it stays"

finish package.deb_install
