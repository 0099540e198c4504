#!/usr/bin/env bash
# GPU check of deeprg's torch backend (issue 13): on a machine with an NVIDIA GPU, install deeprg with
# the torch extra into a fresh virtual environment, time the CD-1 epoch on the GPU next to NumPy
# (benchmarks/rbm_throughput.py --device cuda), then run the default replication on the GPU
# (deeprg run --device cuda) and print its stage times. Refuses clearly where there is no GPU.
#
#   bash benchmarks/gpu_check.sh [RUN_DIR]      # RUN_DIR default: runs/gpu-check
#
# torch is pinned by the extra (torch==2.13.0); PyPI's Linux wheel of it is a CUDA build. Set
# PIP_EXTRA_INDEX_URL (e.g. https://download.pytorch.org/whl/cu128) to pick another CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_DIR="${1:-runs/gpu-check}"

if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
    echo "gpu_check: no NVIDIA GPU here (nvidia-smi is missing or lists no GPU); run this on a GPU machine." >&2
    echo "gpu_check: on a CPU, compare torch-CPU with NumPy instead: python benchmarks/rbm_throughput.py --backend torch" >&2
    exit 2
fi
nvidia-smi -L

python3 -m venv .gpu-venv
. .gpu-venv/bin/activate
python -m pip install --quiet --upgrade pip
pip install --quiet ".[torch]"
python - <<'PY'
import sys
import torch
if not torch.cuda.is_available():
    sys.exit(f"gpu_check: torch {torch.__version__} (CUDA {torch.version.cuda}) sees no GPU although nvidia-smi "
             "lists one: check the driver against this CUDA build (nvidia-smi shows the driver's CUDA version).")
print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, {torch.cuda.get_device_name(0)}")
PY

echo; echo "== CD-1 epoch, 20,000 x 1600 -> 400, batch 100: GPU next to NumPy on this machine's CPU"
python benchmarks/rbm_throughput.py --backend torch --device cuda

echo; echo "== deeprg run --device cuda (the default replication; a fresh run directory: $RUN_DIR)"
rm -rf "$RUN_DIR"
start=$(date +%s)
deeprg run --device cuda --no-resume --out "$RUN_DIR"
end=$(date +%s)
echo; echo "== stage times of $RUN_DIR"
python - "$RUN_DIR" <<'PY'
import json, sys
from pathlib import Path
for record in sorted(Path(sys.argv[1], ".stages").glob("*.json"), key=lambda p: p.stat().st_mtime):
    data = json.loads(record.read_text())
    print(f"   {data['name']:<18} {data['seconds']:8.1f} s")
PY
echo "   whole run (wall clock, including start-up): $((end - start)) s"
