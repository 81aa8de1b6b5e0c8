"""minigrad's benchmarks: kernels, engine overhead, training steps and memory, each measured
side by side with its competitor (PyTorch eager, NumPy, cuBLAS through CuPy) in the same run.

    python -m benchmarks --quick                 # every CPU benchmark, small sizes (~3 min)
    python -m benchmarks --only engine softmax   # a subset
    python -m benchmarks --device cuda           # the GPU tables (needs CuPy and a GPU)

Modules: harness.py (timing, environment), record.py (rows and groups), cases.py (the kernel
contestants), engine.py, kernels_cpu.py, kernels_gpu.py, training.py, memory.py (the
groups), report.py (tables, JSON, Markdown, plots). The method is in benchmarks/README.md.
"""
