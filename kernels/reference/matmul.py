"""Matrix product with NumPy's `matmul` semantics (batched, broadcast leading dims)."""
from __future__ import annotations

import numpy as np

from .._arrays import F32, F64, compute_dtype, get_xp


def matmul(a, b):
    """c = a @ b. float16 is multiplied in float32 (NumPy's float16 matmul is slow and
    accumulates in float16) and rounded back once at the end."""
    xp = get_xp(a)
    dtype = a.dtype
    if dtype is b.dtype and (dtype is F32 or dtype is F64):  # the common case: nothing to convert
        return xp.matmul(a, b)
    out_dtype = np.result_type(dtype, b.dtype)
    work = compute_dtype(out_dtype)
    if work != out_dtype or dtype != b.dtype:
        a = a.astype(work, copy=False)
        b = b.astype(work, copy=False)
    return xp.matmul(a, b).astype(out_dtype, copy=False)
