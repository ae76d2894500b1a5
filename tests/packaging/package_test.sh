#!/usr/bin/env bash
# The Debian package as a kiosk would get it: built with CPack from this build, unpacked into a
# scratch root (dpkg -x), its contents, control data, system users, udev rules and systemd units
# checked there. Usage: package_test.sh BUILD_DIR
set -euo pipefail
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work/out" >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; fail "cpack"; }
deb=$(ls "$work"/out/consular-kiosk_*_amd64.deb)
echo "package: $(basename "$deb"), $(stat -c %s "$deb") bytes"

# Control: the libraries the binaries link (dpkg-shlibdeps) and what they run or read.
control=$(dpkg-deb -f "$deb")
for dep in libfprint-2-2 libsane1 libopencv-videoio libcups2 libpangocairo espeak-ng opencv-data fonts-droid-fallback systemd; do
  grep -q "^Depends:.*$dep" <<<"$control" || fail "Depends lacks $dep: $control"
done
grep -q "^Recommends:.*cage.*chromium" <<<"$control" || fail "the screen's browser is not recommended"
conffiles=$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)
for f in /etc/kiosk/kiosk.json /etc/kiosk/services.json /etc/kiosk/devices.json; do
  grep -qx "$f" <<<"$conffiles" || fail "$f is not a conffile: an upgrade would overwrite the consulate's edits"
done

root=$work/root
dpkg -x "$deb" "$root"
for f in usr/bin/kiosk usr/bin/kioskctl usr/bin/kiosk-office usr/lib/consular-kiosk/wait-for-screen \
         usr/share/kiosk/web/index.html usr/share/kiosk/web/technician.html \
         usr/share/kiosk/messages/{en,zh,ar,fa,ru}.json etc/kiosk/kiosk.json etc/pam.d/kiosk-screen \
         usr/lib/systemd/system/{kiosk,kiosk-screen,kiosk-office}.service usr/lib/sysusers.d/consular-kiosk.conf \
         usr/lib/udev/rules.d/70-kiosk.rules; do
  [[ -e $root/$f ]] || fail "$f is not in the package"
done
! find "$root" -name '*.key' -o -name '*.pem' | grep -q . || fail "key material in the package"
"$root/usr/bin/kioskctl" --help >/dev/null || fail "the packaged kioskctl does not run"
# The production configuration points at the packaged pages and catalogues.
grep -q '"/usr/share/kiosk/web"' "$root/etc/kiosk/kiosk.json" || fail "kiosk.json does not name the packaged pages"

# udev: one rule per device of the table, each by vendor and product id, for the kiosk group only.
rules=$root/usr/lib/udev/rules.d/70-kiosk.rules
devices=$(grep -c '"vendor"' "$root/etc/kiosk/devices.json")
[[ $(grep -c '^SUBSYSTEM' "$rules") -eq $devices ]] || fail "$devices devices but $(grep -c '^SUBSYSTEM' "$rules") rules"
! grep '^SUBSYSTEM' "$rules" | grep -v 'idVendor}=="[0-9a-f]\{4\}".*idProduct}=="[0-9a-f]\{4\}".*GROUP="kiosk", MODE="0660"$' \
  || fail "a rule that does not name one device"

# The system users, as systemd-sysusers makes them on the kiosk.
mkdir -p "$root/etc"
systemd-sysusers --root="$root" >/dev/null 2>&1 || fail "systemd-sysusers refused consular-kiosk.conf"
for u in kiosk kiosk-screen kiosk-office; do grep -q "^$u:" "$root/etc/passwd" || fail "no user $u"; done
grep -q "^video:.*kiosk-screen" "$root/etc/group" || fail "the screen's user is not in the video group"

# The units: systemd-analyze verify against the root (with the host's units and the browser's
# programs, which other packages install), and the services' exposure (at most 2.0; the
# threshold counts tenths).
cp -rn /usr/lib/systemd/system/. "$root/usr/lib/systemd/system/"
for p in /usr/bin/cage /usr/bin/chromium; do [[ -e $p ]] && cp "$p" "$root/usr/bin/"; done
units=("$root"/usr/lib/systemd/system/{kiosk,kiosk-screen,kiosk-office}.service)
systemd-analyze verify --root="$root" "${units[@]}" || fail "systemd-analyze verify"
for unit in kiosk kiosk-office; do
  report=$(systemd-analyze security --offline=true --root="$root" --threshold=20 \
           "$root/usr/lib/systemd/system/$unit.service" 2>&1) || fail "$unit.service is more exposed than 2.0: ${report##*→}"
  echo "${report##*→ }"
done
echo "package_test: all checks passed"
