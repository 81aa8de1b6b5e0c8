"""Row softmax forward as a raw CUDA C kernel (cupy.RawModule), to compare with Triton's.

One thread block per row; each thread strides over the row three times (max, sum of exp,
write), with tree reductions in shared memory between the passes:

    m = max_j x_j,  s = sum_j exp(x_j - m),  y_j = exp(x_j - m) / s

Memory moved: x is read three times (the second and third reads mostly hit L1/L2), y written
once. float32 and float64 only; the backward is the reference running on CuPy.
"""
from __future__ import annotations

import functools

import cupy
import numpy as np

from .. import _arrays
from .._arrays import Unsupported
from ..reference import softmax_bwd  # noqa: F401 (the backward runs the reference on CuPy)

_SOURCE = r"""
template <typename T> __device__ T negative_infinity();
template <> __device__ float negative_infinity<float>() { return __int_as_float(0xff800000); }
template <> __device__ double negative_infinity<double>() {
    return __longlong_as_double(0xfff0000000000000ULL);
}

template <typename T>
__device__ T block_reduce(T value, T* shared, bool take_max) {
    // Tree reduction over a power-of-two block; every thread gets the result.
    shared[threadIdx.x] = value;
    __syncthreads();
    for (unsigned int half = blockDim.x / 2; half > 0; half >>= 1) {
        if (threadIdx.x < half) {
            T a = shared[threadIdx.x], b = shared[threadIdx.x + half];
            shared[threadIdx.x] = take_max ? (a > b ? a : b) : a + b;
        }
        __syncthreads();
    }
    T result = shared[0];
    __syncthreads();  // shared is reused by the next reduction
    return result;
}

template <typename T>
__global__ void softmax_rows(const T* x, T* y, int n_cols, long long x_row_stride,
                             long long y_row_stride) {
    extern __shared__ unsigned char shared_bytes[];
    T* shared = reinterpret_cast<T*>(shared_bytes);
    const T* x_row = x + (long long)blockIdx.x * x_row_stride;
    T* y_row = y + (long long)blockIdx.x * y_row_stride;

    T m = negative_infinity<T>();
    for (int j = threadIdx.x; j < n_cols; j += blockDim.x) {
        m = x_row[j] > m ? x_row[j] : m;
    }
    m = block_reduce(m, shared, true);

    T total = 0;
    for (int j = threadIdx.x; j < n_cols; j += blockDim.x) {
        total += exp(x_row[j] - m);
    }
    total = block_reduce(total, shared, false);

    for (int j = threadIdx.x; j < n_cols; j += blockDim.x) {
        y_row[j] = exp(x_row[j] - m) / total;
    }
}
"""

_NAMES = {"float32": "softmax_rows<float>", "float64": "softmax_rows<double>"}


@functools.lru_cache(maxsize=None)
def _module():
    return cupy.RawModule(code=_SOURCE, options=("-std=c++14",),
                          name_expressions=tuple(_NAMES.values()))


def softmax_fwd(x):
    name = _NAMES.get(str(x.dtype))
    if name is None:
        raise Unsupported(f"softmax_fwd: the raw CUDA kernel takes float32 or float64, "
                          f"got {x.dtype}")
    n_cols = x.shape[-1] if x.ndim else 1
    x2 = cupy.ascontiguousarray(x).reshape(-1, n_cols)
    y2 = _arrays.empty(cupy, x2.shape, x.dtype)
    n_rows = x2.shape[0]
    if n_rows and n_cols:
        threads = int(min(1024, max(32, 1 << (n_cols - 1).bit_length())))
        kernel = _module().get_function(name)
        kernel((n_rows,), (threads,),
               (x2, y2, np.int32(n_cols), np.int64(n_cols), np.int64(n_cols)),
               shared_mem=threads * x.itemsize)
    return y2.reshape(x.shape)
