"""The op set. Each module holds `Function` subclasses (forward and backward side by side)
and the plain functions that Tensor methods and `minigrad.*` call.

    elementwise.py   + - * / ** neg exp log sqrt abs maximum minimum clip where cast, comparisons
    activation.py    tanh sigmoid relu gelu softmax log_softmax
    reduce.py        sum mean max min var argmax argmin
    shape.py         reshape transpose broadcast_to getitem concatenate stack split, device copies
    linalg.py        matmul
    recurrent.py     the recurrent layers' time loop (LSTM, GRU, RNN) as one fused op
"""

from . import activation, elementwise, linalg, reduce, shape  # noqa: F401
from . import recurrent  # noqa: F401
