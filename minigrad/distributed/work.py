"""Work: a collective that has been started and may still be running (what `async_op=True` returns).

Both communicators return one. On MPI it wraps a non-blocking request (MPI_Iallreduce, ...):
`wait()` blocks until the bytes have arrived, `is_completed()` tests without blocking (and so
lets MPI move the message along). On NCCL it wraps a CUDA event recorded after the collective:
`wait()` makes the current stream wait for it, without blocking the host, as PyTorch does.
A step that has to follow the transfer (AVG's division, copying a gathered buffer out) is
chained with `then` and runs once, inside the first `wait()`.
"""

from __future__ import annotations


class Work:
    """A started collective. `wait()` returns True once its result is in place."""

    def __init__(self, wait, test, keep=()):
        self._wait, self._test = wait, test
        self._keep = keep  # the arrays the transfer reads or writes: alive until it is done
        self._after = []
        self._done = False

    def then(self, step) -> "Work":
        """Run `step()` after the transfer, inside wait(); returns self."""
        self._after.append(step)
        return self

    def wait(self) -> bool:
        """Block (MPI) or order the current stream (NCCL) until the collective is done."""
        if not self._done:
            self._wait()
            for step in self._after:
                step()
            self._done, self._keep, self._after = True, (), []
        return True

    def is_completed(self) -> bool:
        """True when the transfer has finished (the steps chained with `then` run in wait())."""
        return self._done or bool(self._test())


def finished() -> Work:
    """A Work whose transfer is already done (a blocking collective): wait() only runs the `then` steps."""
    return Work(lambda: None, lambda: True)
