"""Pieces shared by the CuPy kernels."""
from __future__ import annotations

# CUDA C preamble: `acc_t<T>::type` is the type a kernel computes in, double for double and
# float for float and half (CuPy's float16 converts to and from float).
ACC_PREAMBLE = r"""
template <typename T> struct acc_t { typedef float type; };
template <> struct acc_t<double> { typedef double type; };
"""
