"""What every example shares: its command line, the check for optional packages, progress output and plots.

Kept apart so each example reads as its model and its training loop only:

    parser = example_parser(__doc__, needs=[SCIKIT_LEARN], epochs=30, batch_size=64, lr=1e-3)
    parser.add_argument("--hidden", type=positive_int, default=256, help="width of the hidden layers")
    args = parser.parse_args(argv)      # every check happens here, before any work
    for x, y in progress(loader, "epoch 1/30"): ...
    log(f"epoch 1/30  train loss {mean_of(losses, 'batch')}  validation loss {val_loss:.4f}")
    if args.plot:
        save_curves(args.plot, {"train": (xs, ys), "validation": (xs, ys)}, title=..., xlabel="epoch")

`parser.parse_args` refuses nonsense values (`--epochs 0`, an unknown device), finds every missing
optional package at once and names the command that installs them, checks that the GPU is there for
`--device cuda` and that the `--plot` file can be written, and sets the number of BLAS threads. A new
option that needs an optional package declares it, and the check comes with it:

    parser.add_argument("--distributed", action="store_true", help="...", needs=MPI4PY)

So an example imports optional packages (scikit-learn, matplotlib, ...) inside functions, never at
the top: `--help` then works without them, and a missing one is reported with all the others.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import unquote, urlparse

import numpy as np

import minigrad as mg

# --------------------------------------------------------------------------- optional packages


@dataclass(frozen=True)
class Requirement:
    """An optional package: the module to import, its pip name, the minigrad extra that installs it, and what for.

    `note` is added to the install command, e.g. another extra for another CUDA version.
    """

    module: str
    package: str
    extra: str
    purpose: str
    note: str = ""


SCIKIT_LEARN = Requirement("sklearn", "scikit-learn", "examples", "the datasets bundled with it")
TQDM = Requirement("tqdm", "tqdm", "examples", "the progress bar")
MATPLOTLIB = Requirement("matplotlib", "matplotlib", "examples", "--plot")
THREADPOOLCTL = Requirement("threadpoolctl", "threadpoolctl", "examples", "--blas-threads")
CUPY = Requirement("cupy", "cupy", "gpu", "--device cuda",
                   note="that is for CUDA 13; for CUDA 12 use the gpu-cuda12 extra; without a GPU use --device cpu")
# importing mpi4py.MPI (not just mpi4py) also finds a missing MPI library
MPI4PY = Requirement("mpi4py.MPI", "mpi4py", "distributed", "--distributed")


def checkout_root(package_file: str | None = None) -> Path | None:
    """The source checkout minigrad is imported from (the folder holding its pyproject.toml), or None.

    An editable install (`pip install -e .`) or a PYTHONPATH imports minigrad/ straight from the
    checkout, next to pyproject.toml; an install from the index puts it in site-packages, where
    no pyproject.toml naming minigrad sits beside it.
    """
    root = Path(package_file or mg.__file__).resolve().parent.parent
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return None
    if not re.search(r'^name\s*=\s*"minigrad"', pyproject.read_text(encoding="utf-8"), re.MULTILINE):
        return None
    return root


def local_source(direct_url: str | None = None) -> Path | None:
    """The folder minigrad was installed from with `pip install PATH`, from its direct_url.json (PEP 610), or None.

    pip writes direct_url.json only for installs from a path or URL, never for one from the index.
    """
    if direct_url is None:
        try:
            direct_url = importlib.metadata.distribution("minigrad").read_text("direct_url.json")
        except importlib.metadata.PackageNotFoundError:
            return None
    if not direct_url:
        return None
    record = json.loads(direct_url)
    url = urlparse(record.get("url", ""))
    if url.scheme != "file" or "dir_info" not in record:
        return None  # an archive or a VCS URL: no folder to point at
    return Path(unquote(url.path))


def known_extras() -> set[str] | None:
    """The extras the installed minigrad declares (None if its metadata cannot be read)."""
    try:
        return set(importlib.metadata.metadata("minigrad").get_all("Provides-Extra") or ())
    except importlib.metadata.PackageNotFoundError:
        return None


def install_command(requirements: Iterable[Requirement]) -> str:
    """The pip command (and where to run it) that installs `requirements` the way minigrad itself was installed.

    From a checkout: pip install -e ".[examples]"; from the index: pip install "minigrad[examples]".
    A package whose extra this minigrad does not declare is named directly.
    """
    requirements = list(requirements)
    declared = known_extras()
    extras = sorted({r.extra for r in requirements if declared is None or r.extra in declared})
    loose = sorted({r.package for r in requirements if declared is not None and r.extra not in declared})
    lines = []
    if extras:
        spec = ",".join(extras)
        root, source = checkout_root(), local_source()
        if root is not None:
            lines.append(f'pip install -e ".[{spec}]"')
            if Path.cwd().resolve() != root:
                lines.append(f"(run it in {root}, the folder holding minigrad's pyproject.toml)")
        elif source is not None:
            lines.append(f'pip install "{source}[{spec}]"')
        else:
            lines.append(f'pip install "minigrad[{spec}]"')
    if loose:
        lines.append("pip install " + " ".join(loose))
    lines += [f"({r.note})" for r in requirements if r.note]
    return "\n".join(lines)


def find_missing(requirements: Iterable[Requirement]) -> list[tuple[Requirement, str]]:
    """Import each requirement's module; return (requirement, what went wrong) for those that fail."""
    problems, seen = [], set()
    for requirement in requirements:
        if requirement.module in seen:
            continue
        seen.add(requirement.module)
        try:
            importlib.import_module(requirement.module)
        except ModuleNotFoundError as err:
            top = requirement.module.split(".")[0]
            installed = err.name not in (top, requirement.module)
            problems.append((requirement, f"fails to import: {err}" if installed else "not installed"))
        except Exception as err:  # installed but broken (e.g. built for another NumPy, or no MPI library)
            problems.append((requirement, f"fails to import: {type(err).__name__}: {err}"))
    return problems


def missing_message(program: str, problems: list[tuple[Requirement, str]]) -> str:
    """One message for every missing package: what each is for, and one command that installs them all."""
    lines = [f"{program} needs packages that are missing:"]
    lines += [f"  {r.package} (for {r.purpose}): {what}" for r, what in problems]
    lines += ["Install them with", *("    " + line for line in install_command(r for r, _ in problems).splitlines())]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- argument types


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    value = _number(text, int, "an integer")
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def nonnegative_int(text: str) -> int:
    """argparse type: an integer >= 0."""
    value = _number(text, int, "an integer")
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    value = _number(text, float, "a number")
    if not (np.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text}")
    return value


def nonnegative_float(text: str) -> float:
    """argparse type: a finite number >= 0."""
    value = _number(text, float, "a number")
    if not (np.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text}")
    return value


def probability(text: str) -> float:
    """argparse type: a number in [0, 1), e.g. a dropout rate (1 would drop everything)."""
    value = _number(text, float, "a number")
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {text}")
    return value


def device_name(text: str) -> str:
    """argparse type: cpu, cuda or cuda:N."""
    if text == "cpu" or re.fullmatch(r"cuda(:\d+)?", text):
        return text
    raise argparse.ArgumentTypeError(f"expected cpu or cuda (or cuda:N), got {text!r}")


def output_file(text: str) -> str:
    """argparse type: a file that can be written, checked now rather than after training.

    Opening it for appending tests the folder and the permissions without changing an existing file;
    a file created by the test is removed again.
    """
    path = Path(text)
    existed = path.exists()
    try:
        with open(path, "ab"):
            pass
    except OSError as err:
        raise argparse.ArgumentTypeError(f"cannot write {text}: {err.strerror}") from None
    if not existed:
        path.unlink()
    return text


def _number(text: str, kind, what: str):
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None


# --------------------------------------------------------------------------- the parser


class _DefaultsFormatter(argparse.HelpFormatter):
    """Shows every option's default after its help text (a switch's as 'off')."""

    def _get_help_string(self, action):
        text = action.help or ""
        if "default" in text or action.default is argparse.SUPPRESS or not action.option_strings:
            return text
        if action.nargs == 0 and action.const is True:  # a store_true switch
            return text + " (default: off)"
        return text + " (default: %(default)s)"


class ExampleParser(argparse.ArgumentParser):
    """An ArgumentParser whose options all have a help text and a shown default, and may need optional packages.

    add_argument(..., needs=R) declares that the option needs the optional package R when it is
    given (R a Requirement, or a function from the option's value to the Requirements it needs).
    parse_args then checks, in this order: the values, the cross-checks from add_check, the optional
    packages (all missing ones in one message), the GPU, the plot format; then it sets the BLAS threads.
    """

    def __init__(self, *args, needs: Iterable[Requirement] = (), **kwargs):
        super().__init__(*args, formatter_class=_DefaultsFormatter, **kwargs)
        self.needs = list(needs)  # needed whatever the options
        self._option_needs: list[tuple[str, Callable]] = []
        self._checks: list[Callable] = []

    def add_argument(self, *flags, needs=None, **kwargs):
        """argparse's add_argument, with a help text required and an optional `needs` (see the class)."""
        if kwargs.get("help") is None:
            raise TypeError(f"{'/'.join(flags)}: every option of an example needs a help text")
        if kwargs.get("default") is None and kwargs.get("action") not in ("store_true", "help", "version") \
                and "default" not in kwargs["help"]:
            raise TypeError(f"{'/'.join(flags)}: say in the help what happens without it, e.g. '(default: no plot)'")
        action = super().add_argument(*flags, **kwargs)
        if needs is not None:
            self._option_needs.append((action.dest, needs if callable(needs) else (lambda value: [needs])))
        return action

    def add_check(self, check: Callable[[argparse.Namespace], str | None]) -> None:
        """Register a check across options: check(args) returns an error message, or None when all is well."""
        self._checks.append(check)

    def parse_args(self, args=None, namespace=None):
        """Parse and check everything (see the class); exits with a message instead of starting a doomed run."""
        parsed = super().parse_args(args, namespace)
        for check in self._checks:
            problem = check(parsed)
            if problem:
                self.error(problem)
        needed = list(self.needs)
        for dest, needs_for in self._option_needs:
            value = getattr(parsed, dest)
            if value is not None and value is not False:
                needed += list(needs_for(value))
        problems = find_missing(needed)
        if problems:
            self.exit(1, missing_message(self.prog, problems))
        device = getattr(parsed, "device", "cpu")
        if device.startswith("cuda") and not mg.cuda_is_available():
            self.exit(1, f"{self.prog}: --device {device}: CuPy is installed but sees no usable CUDA GPU here; "
                         "use --device cpu\n")
        if getattr(parsed, "plot", None):
            from matplotlib.backend_bases import FigureCanvasBase

            formats = FigureCanvasBase.get_supported_filetypes()
            if Path(parsed.plot).suffix.lower().lstrip(".") not in formats:
                self.error(f"--plot {parsed.plot}: name a picture file ending in one of "
                           f"{', '.join('.' + ext for ext in formats)} (e.g. loss.png)")
        if getattr(parsed, "blas_threads", 0):
            set_blas_threads(parsed.blas_threads)
        return parsed

    def check_batch_size(self, batch_size: int, n_rows: int, what: str) -> None:
        """Refuse a batch larger than the data it is drawn from (one batch would then be all of it)."""
        if batch_size > n_rows:
            self.error(f"--batch-size {batch_size} is larger than the {n_rows} {what}")


def example_parser(doc: str, needs: Iterable[Requirement] = (), **defaults) -> ExampleParser:
    """The parser every example starts from: --device, --seed, --plot and --blas-threads, plus
    --epochs/--steps/--batch-size/--lr for each default given (e.g. epochs=30, lr=1e-3).

    doc: the example's module docstring; its first line is the description. `needs`: optional
    packages the example always needs (tqdm is added: every example shows progress).
    """
    parser = ExampleParser(description=doc.strip().splitlines()[0], needs=[TQDM, *needs])
    parser.add_argument("--device", type=device_name, default="cpu", help="cpu or cuda (cuda needs CuPy and a GPU)",
                        needs=lambda device: [CUPY] if device.startswith("cuda") else [])
    parser.add_argument("--seed", type=nonnegative_int, default=defaults.get("seed", 0),
                        help="seeds the weights, the data split and the batch order")
    parser.add_argument("--plot", metavar="PATH", type=output_file, needs=MATPLOTLIB,
                        help="save the training and validation curves to this picture, e.g. curves.png (default: no plot)")
    parser.add_argument("--blas-threads", type=nonnegative_int, default=1,
                        needs=lambda threads: [THREADPOOLCTL] if threads else [],
                        help="threads for NumPy's matrix products; 0 leaves the BLAS library's own choice "
                             "(see examples/README.md)")
    if "epochs" in defaults:
        parser.add_argument("--epochs", type=positive_int, default=defaults["epochs"], help="passes over the training set")
    if "steps" in defaults:
        parser.add_argument("--steps", type=positive_int, default=defaults["steps"], help="optimizer steps to train for")
    if "batch_size" in defaults:
        parser.add_argument("--batch-size", type=positive_int, default=defaults["batch_size"],
                            help="examples per optimizer step")
    if "lr" in defaults:
        parser.add_argument("--lr", type=positive_float, default=defaults["lr"], help="the (peak) learning rate")
    return parser


def set_blas_threads(n: int) -> None:
    """Limit NumPy's BLAS (OpenBLAS, MKL, ...) to n threads for the rest of the process, through threadpoolctl."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=n, user_api="blas")


# --------------------------------------------------------------------------- printing


def progress(iterable, desc: str, total: int | None = None):
    """A tqdm progress bar on stderr (results go to stdout, so piping the output stays clean)."""
    from tqdm import tqdm

    # disable=None: draw the bar only on a terminal, so logs and captured output stay readable
    return tqdm(iterable, desc=desc, total=total, leave=False, dynamic_ncols=True, file=sys.stderr, disable=None)


def log(message: str) -> None:
    """Print a line to stdout without breaking an active progress bar."""
    from tqdm import tqdm

    tqdm.write(message, file=sys.stdout)


def mean_of(values, what: str) -> str:
    """'0.1234 (mean of 21 batches)': a mean that says what it averages (`what` in the singular: 'batch')."""
    count = len(values)
    if count != 1:
        what += "es" if what.endswith(("s", "sh", "ch", "x")) else "s"
    return f"{float(np.mean(values)):.4f} (mean of {count} {what})"


# --------------------------------------------------------------------------- plotting


def spans_decades(values) -> bool:
    """True when positive values reach from some v to 10 v or beyond: a log scale then shows them all."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    return len(values) > 0 and values.min() > 0 and values.max() / values.min() >= 10


def save_curves(path: str, curves: dict, title: str, xlabel: str, ylabel: str = "loss") -> None:
    """Save line plots of `curves` ({label: (xs, ys)}, drawn in order in the colours C0, C1, ...) to `path`.

    Long noisy curves (per-step losses) are drawn faintly under their running mean; short ones
    (per-epoch or per-evaluation figures) get a marker at every point, so one point still shows.
    The y axis is logarithmic when the values span a decade or more. The legend sits right of the
    axes, off the curves.
    """
    import matplotlib

    matplotlib.use("Agg")  # draw to a file: no window, works on a server
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    values = []
    for index, (label, (xs, ys)) in enumerate(curves.items()):
        xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
        if len(ys) == 0:
            continue
        values.append(ys)
        color = f"C{index}"
        if len(ys) > 200:
            window = len(ys) // 40
            smooth = np.convolve(ys, np.ones(window) / window, mode="valid")
            ax.plot(xs, ys, color=color, alpha=0.25, linewidth=0.8, label=label)
            ax.plot(xs[window - 1:], smooth, color=color, linewidth=2, label=f"its running mean over {window}")
        else:
            ax.plot(xs, ys, color=color, linewidth=1.5, label=label,
                    marker="o" if len(ys) <= 30 else None, markersize=7 if len(ys) == 1 else 4)
    if values and spans_decades(np.concatenate(values)):
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel + (" (log scale)" if ax.get_yscale() == "log" else ""))
    ax.set_title(title)
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), frameon=False)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    log(f"saved the curves to {path}")
