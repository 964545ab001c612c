#!/usr/bin/env bash
# The Debian packages: builds each one with CPack into a temporary directory,
# unpacks it into a scratch root (dpkg -x) and checks what a machine would
# get: the binary (which answers --version), its systemd unit (valid, restarting,
# reading /etc/throng/<name>.env and a 0600 secret file), the conffiles and the
# postinst.
#   packaging_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
source=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

check() {  # component package binary unit config
  local component=$1 package=$2 binary=$3 unit=$4 config=$5
  (cd "$build" && cpack -G DEB -D CPACK_COMPONENTS_ALL="$component" -D CPACK_OUTPUT_FILE_PREFIX="$work/out" \
     -B "$work/cpack-$component" >"$work/cpack-$component.log" 2>&1) || { cat "$work/cpack-$component.log"; fail "cpack $component"; }
  local deb
  deb=$(ls "$work"/out/"${package}"_*_amd64.deb) || fail "no ${package} package"
  [[ $(dpkg-deb -f "$deb" Package) == "$package" ]] || fail "$deb is not named $package"
  local root="$work/root-$component"
  dpkg -x "$deb" "$root"
  dpkg -e "$deb" "$root/DEBIAN"

  [[ -x $root/usr/bin/$binary ]] || fail "$package: no /usr/bin/$binary"
  "$root/usr/bin/$binary" --version | grep -qx "$binary [0-9.]*" || fail "$binary --version"
  local unit_file=$root/lib/systemd/system/$unit
  [[ -f $unit_file ]] || fail "$package: no $unit"
  grep -q '^Restart=\(on-failure\|always\)$' "$unit_file" || fail "$unit does not restart on failure"
  grep -q "^EnvironmentFile=/etc/throng/$config.env$" "$unit_file" || fail "$unit does not read /etc/throng/$config.env"
  grep -q "^EnvironmentFile=/etc/throng/$config.secret$" "$unit_file" || fail "$unit does not read its secret file"
  grep -q "^ExecStart=/usr/bin/$binary " "$unit_file" || fail "$unit does not start /usr/bin/$binary"
  [[ $(stat -c %a "$root/etc/throng/$config.secret") == 600 ]] || fail "$config.secret is not mode 0600"
  [[ -f $root/etc/throng/$config.env ]] || fail "no /etc/throng/$config.env"
  grep -qx "/etc/throng/$config.secret" "$root/DEBIAN/conffiles" || fail "$config.secret is not a conffile"
  grep -q "adduser --system" "$root/DEBIAN/postinst" || fail "$package: postinst does not add the throng user"
  # systemd's own check, with the unit's paths pointing into the scratch root:
  # any complaint about the unit file (it exits 0 on some) fails the test.
  sed -e "s|/usr/bin/|$root/usr/bin/|" "$unit_file" >"$work/$unit"
  out=$(systemd-analyze verify "$work/$unit" 2>&1) || true
  if grep -q "$work/$unit" <<<"$out"; then
    echo "$out" >&2
    fail "systemd-analyze verify $unit"
  fi
  echo "ok: $package ($(dpkg-deb -f "$deb" Depends | tr -d '\n' | cut -c1-60)...)"
}

check agent throng-agent throng-agent throng-agent.service agent
check controller throng throng throng-controller.service controller
check server throng-server throng-server throng-server.service server
[[ -f $work/root-server/etc/throng/server.yaml ]] || fail "throng-server: no /etc/throng/server.yaml"
shellcheck "$source/deploy/debian/postinst" "$0"
echo "packages ok"
