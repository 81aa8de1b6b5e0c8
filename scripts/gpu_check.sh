#!/usr/bin/env bash
# The GPU check: on a machine with an NVIDIA GPU, CuPy, Triton and PyTorch already installed
# (no network needed), make minigrad importable from this tree, print the device and the
# versions, run the GPU and compiled-Triton tests, train the examples a few steps on cuda,
# and measure the kernels and training steps against cuBLAS/CuPy and PyTorch in quick mode.
# Results: gpu_check.md and gpu_check.json (plus logs.txt and the benchmarks' JSON) in $OUT
# when it is set, else in benchmarks/results/gpu-check-<time>/; the summary is printed last.
#
#   bash scripts/gpu_check.sh                            # everything, in a 340 s budget
#   bash scripts/gpu_check.sh --only tests --tests tests/kernels/test_gpu.py::test_matmul
#                                                        # after a fix (the summary's last line says what)
#   bash scripts/gpu_check.sh --only tests -k attention  # a pytest -k filter
#   bash scripts/gpu_check.sh --only bench --bench matmul softmax
#   bash scripts/gpu_check.sh --help                     # every option (benchmarks/gpu_check.py)
#
# PYTHON names the interpreter (default: python3).
set -u
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 2
PYTHON="${PYTHON:-python3}"
if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "gpu_check.sh: no '$PYTHON' on PATH; set PYTHON to the interpreter that has CuPy" >&2
    exit 2
fi
export PYTHONUNBUFFERED=1
# `python -m benchmarks.gpu_check` finds the package from this folder (the current directory
# leads sys.path); the check itself decides how its child processes import minigrad.
exec "$PYTHON" -m benchmarks.gpu_check "$@"
