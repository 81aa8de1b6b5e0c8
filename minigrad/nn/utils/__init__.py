"""minigrad.nn.utils: helpers beside the layers, at PyTorch's paths (torch.nn.utils.rnn ->
minigrad.nn.utils.rnn)."""

from . import rnn  # noqa: F401
