#!/usr/bin/env bash
# Installs the Debian packages Throng needs to build, test and run the demo.
# Idempotent: only missing packages are installed. Needs root (or sudo).
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-all-dev
  libprotobuf-dev protobuf-compiler
  nlohmann-json3-dev libyaml-cpp-dev libcli11-dev
  prometheus-cpp-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  libssl-dev zlib1g-dev libsqlite3-dev libargon2-dev liburing-dev
  libpq-dev postgresql redis-server haproxy        # scale-out: history in PostgreSQL, rooms over Redis, HAProxy in front (tests start private instances)
  clang libclang-rt-14-dev
  libfmt-dev procps iproute2 util-linux python3
  python3-yaml python3-jsonschema   # scenarios/schema.json is checked against the shipped scenarios
  libimgui-dev libglfw3-dev libgl-dev libstb-dev   # throng-panel (ImGui's GLFW and OpenGL3 backends are in libimgui.a)
  xvfb xauth libgl1-mesa-dri                       # the panel's real-window test and benchmark: Xvfb with Mesa's software GL
  dpkg-dev file systemd shellcheck                 # `make package` (CPack, dpkg-shlibdeps) and its test (systemd-analyze, shellcheck)
  nftables                                         # deploy/rehearse: regions in network namespaces (relay mode without netem)
)

# Node.js and npm run the offline Terraform checks (tools/terraform-check);
# a machine may already have them from elsewhere than Debian.
command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# The Terraform checker's npm packages, pinned by its package-lock.json.
install_terraform_check() {
  local dir
  dir="$(dirname "$0")/../tools/terraform-check"
  if [[ ! -d $dir/node_modules/@cdktf/hcl2json ]]; then
    echo "install-deps: npm ci in tools/terraform-check"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  install_terraform_check
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
  sudo="sudo"
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
install_terraform_check
