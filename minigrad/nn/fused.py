"""The fused ops of minigrad.nn: each is ONE graph node whose forward and backward call `kernels`.

    FusedLinear         y = x W^T + b
    FusedCrossEntropy   mean/sum/none of -log softmax(logits)[target] (ignore_index, smoothing)
    BinaryCrossEntropy(WithLogits)   the two binary losses, elementwise
    FusedLayerNorm      y = (x - mean) / sqrt(var + eps) * w + b over the last axis
    FusedAttention      softmax(scale q k^T [+ causal mask]) v, q/k/v [..., T, D]
    FusedSelfAttention  the same on a packed qkv projection [B, T, 3d], heads split and merged inside
    EmbeddingLookup     weight[indices], gradient scatter-added

One node instead of the 3 to 15 a composite records means fewer Python calls,
fewer temporaries and a backward written for the whole formula (the kernels
rebuild softmax from its saved log-sum-exp rather than storing it). On the
GPU the same code runs the Triton kernels. Each op has a composite twin made
of engine primitives in composite.py; tests check that the two agree.

These classes are the machinery; call them through minigrad.nn.functional.
"""

from __future__ import annotations

import numpy as np

import kernels

from .. import autograd, backend
from ..autograd import Function
from ..backend import xp_of
from ..tensor import Tensor
from . import composite as twins


class FusedLinear(Function):
    """y = x @ W^T + b for x [..., in], W [out, in], b [out] or None.

    Backward, with x and g flattened to rows:  dx = g W,  dW = g^T x,  db = sum_rows g.
    """

    composite = staticmethod(twins.linear_composite)

    def forward(self, x, weight, bias):
        self.x_shape = x.shape
        self.x_rows = x.reshape(-1, x.shape[-1])  # a view when x is contiguous
        self.weight = weight
        y = kernels.matmul(self.x_rows, weight.T)  # BLAS reads W^T without copying it
        if bias is not None:
            y += bias
        return y.reshape(*x.shape[:-1], weight.shape[0])

    def backward(self, g):
        need_x, need_w, need_b = self.needs_input_grad
        g_rows = g.reshape(-1, g.shape[-1])
        dx = kernels.matmul(g_rows, self.weight).reshape(self.x_shape) if need_x else None
        dw = kernels.matmul(g_rows.T, self.x_rows) if need_w else None
        db = kernels.column_sum(g_rows) if need_b else None
        return dx, dw, db


class FusedCrossEntropy(Function):
    """Cross-entropy of logits [..., C] against integer targets [...], reduced.

    Per row, with lse = log sum_j exp(x_j) and smoothing s over C classes:
        loss = (1 - s)(lse - x_t) + s (lse - mean_j x_j)     (0 where t == ignore_index)
        dloss/dx_j = softmax(x)_j - (1 - s)[j == t] - s / C
    "mean" divides the sum by the number of rows whose target is not ignored (PyTorch).
    """

    @staticmethod
    def composite(logits, targets, ignore_index, label_smoothing, reduction):
        """The same loss from recorded ops (composite.py), for higher-order gradients."""
        return twins.cross_entropy_composite(logits, Tensor._wrap(targets, False), reduction=reduction,
                                             ignore_index=ignore_index, label_smoothing=label_smoothing)

    def forward(self, logits, targets, ignore_index, label_smoothing, reduction):
        xp = xp_of(logits)
        self.shape, self.reduction = logits.shape, reduction
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing
        self.logits = logits.reshape(-1, logits.shape[-1])
        self.targets = targets.reshape(-1)
        losses, self.lse = kernels.cross_entropy_fwd(self.logits, self.targets, ignore_index, label_smoothing)
        if reduction == "none":
            return losses.reshape(logits.shape[:-1])
        total = losses.sum(dtype=self.lse.dtype)  # float16 losses add up in float32: no overflow
        if reduction == "sum":
            return xp.asarray(total, dtype=logits.dtype)
        self.count = (self.targets != ignore_index).sum()
        with np.errstate(invalid="ignore", divide="ignore"):  # every target ignored: nan, as PyTorch
            return xp.asarray(total / self.count.astype(total.dtype), dtype=logits.dtype)

    def backward(self, g):
        xp = xp_of(g)
        n = self.logits.shape[0]
        if self.reduction == "none":
            dlosses = g.reshape(n)
        else:  # in the statistics' dtype: a float16 count overflows above 65,504 rows
            g = xp.asarray(g, dtype=self.lse.dtype)
            if self.reduction == "mean":
                with np.errstate(invalid="ignore", divide="ignore"):
                    g = g / self.count.astype(g.dtype)
            dlosses = xp.broadcast_to(g, (n,))
        dlogits = kernels.cross_entropy_bwd(
            self.logits, self.targets, self.lse, dlosses, self.ignore_index, self.label_smoothing
        )
        return dlogits.reshape(self.shape), None


class FusedLayerNorm(Function):
    """Layer norm over the last axis (biased variance), optional weight and bias.

        xhat = (x - mean) * rstd,  rstd = 1 / sqrt(var + eps),  y = xhat * w + b
        dx = rstd * (gw - mean(gw) - xhat * mean(gw * xhat)),  gw = g * w
        dw = sum_rows g * xhat,  db = sum_rows g
    """

    composite = staticmethod(twins.layer_norm_composite)

    def forward(self, x, weight, bias, eps):
        # As rows [N, D]: every kernel sees the same layout, and a 1-D x gives mean/rstd
        # of shape [1] rather than 0-d arrays.
        self.x = x.reshape(-1, x.shape[-1])
        self.weight = weight
        y, self.mean, self.rstd = kernels.layer_norm_fwd(self.x, weight, bias, eps)
        return y.reshape(x.shape)

    def backward(self, g):
        g_rows = g.reshape(self.x.shape)
        dx, dw, db = kernels.layer_norm_bwd(g_rows, self.x, self.weight, self.mean, self.rstd)
        need_x, need_w, need_b = self.needs_input_grad
        dx = dx.reshape(g.shape) if need_x else None
        if need_b and db is None:  # a bias without a weight: the kernel only sums g for an affine norm
            db = g_rows.sum(axis=0)
        return dx, (dw if need_w else None), (db if need_b else None)


class FusedAttention(Function):
    """o = softmax(scale * q k^T, causal: key j hidden from query i when j > i) v.

    q [..., Tq, D], k [..., Tk, D], v [..., Tk, Dv] with the same leading dims.
    The forward keeps only o and the row log-sum-exp; the backward recomputes the
    probabilities p from them:  dv = p^T do,  ds = p * (do v^T - rowsum(do * o)),
    dq = scale ds k,  dk = scale ds^T q.
    """

    composite = staticmethod(twins.attention_composite)

    def forward(self, q, k, v, causal, scale):
        self.causal, self.scale = causal, scale
        self.o, self.lse = kernels.attention_fwd(q, k, v, causal=causal, scale=scale)
        self.q, self.k, self.v = q, k, v
        return self.o

    def backward(self, g):
        return kernels.attention_bwd(self.q, self.k, self.v, self.o, self.lse, g, causal=self.causal, scale=self.scale)


class FusedSelfAttention(Function):
    """Multi-head self-attention core on a packed projection: qkv [B, T, 3 * H * Dh] -> [B, T, H * Dh].

    The split into heads is a view: qkv reshaped to [B, T, 3, H, Dh] and transposed to
    [3, B, H, T, Dh] gives q, k, v as views (the Triton kernels copy them into [B*H, T, Dh]). The heads are merged back with one
    transpose-copy to [B, T, H * Dh]. The backward writes dq, dk, dv straight into one
    packed gradient buffer, so the whole block costs one graph node.

    dqkv = [dq | dk | dv] from attention's backward (see FusedAttention), packed like qkv.
    """

    composite = staticmethod(twins.self_attention_composite)

    def forward(self, qkv, num_heads, causal, scale):
        b, t, three_d = qkv.shape
        d = three_d // 3
        self.causal, self.scale, self.num_heads = causal, scale, num_heads
        q, k, v = _split_heads(qkv, num_heads)
        o, self.lse = kernels.attention_fwd(q, k, v, causal=causal, scale=scale)
        self.qkv, self.o = qkv, o
        return o.transpose(0, 2, 1, 3).reshape(b, t, d)

    def backward(self, g):
        xp = xp_of(g)
        b, t, d = g.shape
        h = self.num_heads
        do = g.reshape(b, t, h, d // h).transpose(0, 2, 1, 3)  # a view, like the forward's output
        q, k, v = _split_heads(self.qkv, h)
        grads = kernels.attention_bwd(q, k, v, self.o, self.lse, do, causal=self.causal, scale=self.scale)
        dqkv = xp.empty(self.qkv.shape, dtype=self.qkv.dtype)
        packed = _split_heads(dqkv, h)  # views into dqkv
        for target, grad in zip(packed, grads):
            target[...] = grad
        return dqkv


def _split_heads(qkv, num_heads: int):
    """Views q, k, v [B, H, T, Dh] of a packed [B, T, 3 * H * Dh] array."""
    b, t, three_d = qkv.shape
    heads = qkv.reshape(b, t, 3, num_heads, three_d // (3 * num_heads)).transpose(2, 0, 3, 1, 4)
    return heads[0], heads[1], heads[2]


class EmbeddingLookup(Function):
    """out = weight[indices] for integer indices of any shape;  dweight[i] = sum of g where indices == i."""

    @staticmethod
    def composite(weight, indices):
        """weight[indices] through the engine's indexing, for higher-order gradients."""
        return twins.embedding_composite(Tensor._wrap(indices, False), weight)

    def forward(self, weight, indices):
        self.indices, self.weight_shape = indices, weight.shape
        return weight[indices]

    def backward(self, g):
        rows = g.reshape(-1, self.weight_shape[1])
        return _embedding_grad(self.indices.reshape(-1), rows, self.weight_shape[0]), None


def _embedding_grad(indices, rows, num_embeddings: int):
    """dweight [V, D] with dweight[i] = sum of rows[j] over j where indices[j] == i.

    np.add.at does this but slowly on the CPU, so NumPy takes one of two routes:
    a small vocabulary multiplies a one-hot matrix (N x V) by the rows with BLAS;
    a large one sorts the indices and sums each run of equal indices with reduceat.
    """
    xp = xp_of(rows)
    if xp is np and num_embeddings <= _ONE_HOT_MAX_ROWS:
        one_hot = np.zeros((indices.size, num_embeddings), dtype=rows.dtype)
        one_hot[np.arange(indices.size), indices] = 1
        return kernels.matmul(one_hot.T, rows)
    dweight = xp.zeros((num_embeddings, rows.shape[1]), dtype=rows.dtype)
    if xp is not np:
        backend.scatter_add(dweight, indices, rows)  # atomic adds on the GPU
    elif indices.size:
        order = np.argsort(indices, kind="stable")
        sorted_indices = indices[order]
        starts = np.flatnonzero(np.concatenate(([True], sorted_indices[1:] != sorted_indices[:-1])))
        dweight[sorted_indices[starts]] = np.add.reduceat(rows[order], starts, axis=0)
    return dweight


_ONE_HOT_MAX_ROWS = 256  # measured: one-hot matmul wins up to a few hundred rows (2 cores, float32)




class BinaryCrossEntropyWithLogits(Function):
    """Elementwise -[w y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))], w = pos_weight (or 1).

    Written with sp(z) = log(1 + e^z) evaluated stably as log1p(e^-|z|) + max(z, 0):
        loss = (1 - y) x + (1 + (w - 1) y) sp(-x)
        dx = g ((1 - y) - (1 + (w - 1) y) sigmoid(-x)),  dy = g (-x + (w - 1) sp(-x)),  dw = g y sp(-x)
    """

    composite = staticmethod(twins.bce_with_logits_composite)

    def forward(self, x, y, pos_weight):
        xp = xp_of(x)
        self.x, self.y, self.pos_weight = x, y, pos_weight
        self.softplus_neg = xp.log1p(xp.exp(-xp.abs(x))) + xp.maximum(-x, 0)
        weight = 1 if pos_weight is None else 1 + (pos_weight - 1) * y
        self.weight = weight
        return (1 - y) * x + weight * self.softplus_neg

    def backward(self, g):
        xp = xp_of(g)
        need_x, need_y, need_w = self.needs_input_grad
        dx = dy = dw = None
        if need_x:
            # sigmoid(-x) = e^-x / (1 + e^-x), formed from e^-|x| <= 1 so it never overflows
            e = xp.exp(-xp.abs(self.x))
            sigmoid_neg = xp.where(self.x >= 0, e, 1) / (1 + e)
            dx = g * ((1 - self.y) - self.weight * sigmoid_neg)
        if need_y:
            dy = -self.x if self.pos_weight is None else -self.x + (self.pos_weight - 1) * self.softplus_neg
            dy = g * dy
        if need_w:
            dw = g * self.y * self.softplus_neg
        return dx, dy, dw


class BinaryCrossEntropy(Function):
    """Elementwise -[y log x + (1 - y) log(1 - x)] on probabilities x, each log clamped at -100;
    dx = g (x - y) / max(x (1 - x), 1e-12),  dy = g (log(1 - x) - log x)

    PyTorch's gradients: exact for x in (0, 1); at x = 0 or 1, dx stays finite, while dy is
    +-inf (PyTorch does not clamp the logs of the target's gradient).
    """

    def forward(self, x, y):
        xp = xp_of(x)
        self.x, self.y = x, y
        with np.errstate(divide="ignore"):  # log 0 = -inf, clamped
            return -(y * xp.maximum(xp.log(x), -100) + (1 - y) * xp.maximum(xp.log1p(-x), -100))

    def backward(self, g):
        xp = autograd.xp_of(g)  # NumPy's names over Tensors when this backward is recorded
        need_x, need_y = self.needs_input_grad
        x, y = self.x, self.y
        dx = g * (x - y) / xp.maximum(x * (1 - x), 1e-12) if need_x else None
        dy = None
        if need_y:
            with np.errstate(divide="ignore"):
                dy = g * (xp.log1p(-x) - xp.log(x))
        return dx, dy
