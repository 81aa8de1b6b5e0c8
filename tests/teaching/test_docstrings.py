"""Everything public in minigrad has a docstring.

Two walks: (1) the public API a user imports (minigrad, minigrad.nn, minigrad.nn.functional,
minigrad.optim, minigrad.data: their __all__, or their public names); (2) the core engine
files (minigrad/*.py and minigrad/ops/*.py): every module, every public function and class
defined there, and the public methods and properties of those classes. Op classes
(Function subclasses) document their math in the class docstring, so their forward and
backward need none.
"""

import importlib
import inspect
import os
import pkgutil

import minigrad
from minigrad.autograd import Function

PUBLIC_MODULES = ["minigrad", "minigrad.nn", "minigrad.nn.functional", "minigrad.optim", "minigrad.data"]


def importable(name):
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def public_names(module):
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    return names


def is_ours(obj) -> bool:
    return (inspect.isfunction(obj) or inspect.isclass(obj)) and (getattr(obj, "__module__", "") or "").startswith("minigrad")


def own_doc(obj) -> str:
    """The object's own docstring: a class does not inherit one from its base here."""
    if isinstance(obj, property):
        obj = obj.fget
    if isinstance(obj, (staticmethod, classmethod)):
        obj = obj.__func__
    doc = obj.__dict__.get("__doc__") if inspect.isclass(obj) else getattr(obj, "__doc__", None)
    return (doc or "").strip()


def core_modules():
    """minigrad/*.py and minigrad/ops/*.py, as modules."""
    modules = []
    for package in (minigrad, importlib.import_module("minigrad.ops")):
        modules.append(package)
        for info in pkgutil.iter_modules(package.__path__):
            if not info.ispkg:
                modules.append(importlib.import_module(f"{package.__name__}.{info.name}"))
    return modules


def test_the_public_api_is_documented():
    missing = []
    for module_name in PUBLIC_MODULES:
        module = importable(module_name)
        if module is None:
            continue
        if not (module.__doc__ or "").strip():
            missing.append(f"{module_name} (module)")
        for name in public_names(module):
            obj = getattr(module, name, None)
            if is_ours(obj) and not own_doc(obj):
                missing.append(f"{module_name}.{name}")
    assert not missing, "public names without a docstring:\n  " + "\n  ".join(sorted(set(missing)))


def test_the_core_engine_files_are_documented():
    missing = []
    for module in core_modules():
        where = os.path.relpath(module.__file__, os.path.dirname(os.path.dirname(minigrad.__file__)))
        if not (module.__doc__ or "").strip():
            missing.append(f"{where}: module docstring")
        for name, obj in vars(module).items():
            if name.startswith("_") or not is_ours(obj) or obj.__module__ != module.__name__:
                continue
            if not own_doc(obj):
                missing.append(f"{where}: {name}")
            if inspect.isclass(obj) and not issubclass(obj, Function):
                for attr, member in vars(obj).items():
                    if attr.startswith("_") or not (inspect.isfunction(member) or isinstance(member, (property, staticmethod, classmethod))):
                        continue
                    if not own_doc(member):
                        missing.append(f"{where}: {name}.{attr}")
    assert not missing, f"{len(missing)} public names in the core engine files without a docstring:\n  " + "\n  ".join(missing)
