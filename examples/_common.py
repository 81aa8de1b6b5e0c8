"""What every example shares: the command line, the device check, a progress bar, a loss-curve PNG.

Kept apart so each example reads as its model and its training loop only.

    parser = example_parser("Train an MLP on digits", epochs=30, batch_size=64)
    args = parser.parse_args(argv)
    device = pick_device(args.device)          # exits with a clear message if cuda is not there
    for step in progress(range(args.steps), "train"): ...
    if args.plot: save_loss_curve(args.plot, {"train": (steps, losses)})
"""

from __future__ import annotations

import argparse
import sys

import minigrad as mg


def example_parser(description: str, **defaults) -> argparse.ArgumentParser:
    """A parser with --device, --seed and --plot, plus --epochs/--steps/--batch-size/--lr when a default is given.

    Pass the defaults that make sense for the example, e.g. epochs=30, batch_size=64, lr=1e-3.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default: cpu)")
    parser.add_argument("--seed", type=int, default=defaults.get("seed", 0), help="random seed (default: %(default)s)")
    parser.add_argument("--plot", metavar="PATH", help="save the loss curve to this PNG file")
    for name, kind in (("epochs", int), ("steps", int), ("batch_size", int), ("lr", float)):
        if name in defaults:
            flag = "--" + name.replace("_", "-")
            parser.add_argument(flag, type=kind, default=defaults[name], help=f"(default: {defaults[name]})")
    return parser


def pick_device(device: str) -> str:
    """Check that `device` is usable; exit with a clear message (no traceback) if it is not."""
    if not str(device).startswith(("cpu", "cuda")):
        sys.exit(f"--device {device}: expected cpu or cuda")
    if str(device).startswith("cuda") and not mg.cuda_is_available():
        sys.exit(
            "--device cuda: no usable CUDA GPU here (it needs an NVIDIA GPU and CuPy: pip install 'minigrad[gpu]'); "
            "use --device cpu"
        )
    return device


def progress(iterable, desc: str, total: int | None = None):
    """A tqdm progress bar on stderr (results go to stdout, so piping the output stays clean)."""
    from tqdm import tqdm

    # disable=None: draw the bar only on a terminal, so logs and captured output stay readable
    return tqdm(iterable, desc=desc, total=total, leave=False, dynamic_ncols=True, file=sys.stderr, disable=None)


def log(message: str) -> None:
    """Print a line without breaking an active progress bar."""
    from tqdm import tqdm

    tqdm.write(message, file=sys.stdout)


def save_loss_curve(path: str, curves: dict, title: str = "", xlabel: str = "step", ylabel: str = "loss") -> None:
    """Save `curves` ({label: (xs, ys)}) as a line plot at `path` (PNG).

    matplotlib is imported here, not at the top, so an example runs without it unless --plot is asked for.
    """
    import matplotlib

    matplotlib.use("Agg")  # draw to a file: no window, works on a server
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for label, (xs, ys) in curves.items():
        ax.plot(xs, ys, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    log(f"saved loss curve to {path}")
