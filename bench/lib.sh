# Shared by the benchmark scripts (bench/<part>/<part>_bench.sh [build-dir] [case-filter]).
# Source it right after `set -euo pipefail`: it moves to the repository root and
# sets $build, $filter, $bin and $work (a temporary directory the caller's trap removes).
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${1:-build}
filter=${2:-}
bin=$build/bin
work=$(mktemp -d)

# split_flags BEFORE AFTER args...: the args before "--" into the array named BEFORE,
# the rest into AFTER (a case's server flags and its load flags).
split_flags() {
  local -n before_=$1 after_=$2
  shift 2
  before_=()
  while [[ $# -gt 0 && $1 != -- ]]; do before_+=("$1"); shift; done
  [[ $# -gt 0 ]] && shift
  after_=("$@")
}
# The median of the numbers on stdin, one per line.
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# Waits until something accepts connections on 127.0.0.1:$1.
wait_port() {
  for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return; sleep 0.05; done
  echo "nothing listens on port $1"; exit 1
}
# How often this machine itself takes each core away (bench/stall_probe.cpp): latency
# percentiles measured here include these stalls, so they are printed beside them.
machine_stalls() {
  echo "# machine stalls, $1:"
  "$bin/stall_probe" --seconds 5 | sed 's/^/#   /' || true
}
# One line per core: the stalls of the 2 s just before a measured run (for latency cases).
stalls_just_before() {
  "$bin/stall_probe" --seconds 2 | grep -o "core [0-9]: .*% of the time lost" |
    sed 's/ in [0-9]* wake-ups//; s/^/  stalls just before: /' || true
}
