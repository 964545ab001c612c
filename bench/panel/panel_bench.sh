#!/usr/bin/env bash
# throng-panel frame time under Xvfb (Mesa llvmpipe): three runs at the
# default 1600x1000 window and one at 1280x800, 1,000 agents, 10 minutes of
# history. Run from the repository root after `make build`.
set -euo pipefail
bin=${BUILD_DIR:-build}/bin/panel_frame_bench
out=${1:-bench/results/panel-raw.txt}
{
  echo "# $(date -u +%FT%TZ) $(nproc) cores, $(uname -r)"
  for i in 1 2 3; do
    xvfb-run -a -s "-screen 0 1600x1000x24" "$bin" 1000 600 300 1600 1000
  done
  xvfb-run -a -s "-screen 0 1600x1000x24" "$bin" 1000 600 300 1280 800
} | tee "$out"
