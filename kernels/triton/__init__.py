"""Triton kernels, one file per op family. Imported only when "triton" is chosen.

Each public function here takes NumPy arrays (run through the Triton interpreter,
TRITON_INTERPRET=1, as torch CPU tensors sharing the NumPy buffers) or CuPy arrays (run
compiled on the GPU through a thin pointer adapter) and returns the same kind of array.
"""
