"""Everything public in minigrad.distributed has a docstring: its modules, functions, classes and methods."""

import importlib
import inspect
import pkgutil

import minigrad.distributed


def test_every_public_name_of_minigrad_distributed_is_documented():
    missing = []
    for info in pkgutil.iter_modules(minigrad.distributed.__path__):
        module = importlib.import_module(f"minigrad.distributed.{info.name}")
        if not (module.__doc__ or "").strip():
            missing.append(f"{info.name}: module docstring")
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            if not (obj.__doc__ or "").strip():
                missing.append(f"{info.name}.{name}")
            if inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if not attr.startswith("_") and inspect.isfunction(member) and not (member.__doc__ or "").strip():
                        missing.append(f"{info.name}.{name}.{attr}")
    assert not missing, "undocumented: " + ", ".join(missing)
