"""Everything public in minigrad has a docstring.

Two walks: (1) the public API a user imports (minigrad, minigrad.nn, minigrad.nn.functional,
minigrad.optim, minigrad.data: their __all__, or their public names); (2) every module of the
package, subpackages included: every module, every public function and class defined there,
and the public methods and properties of those classes. Op classes (Function subclasses)
document their math in the class docstring, so their forward and backward need none; a
module's class docstring says what it computes, so its forward and extra_repr need none.
"""

import importlib
import inspect
import os
import pkgutil

import minigrad
from minigrad.autograd import Function
from minigrad.nn import Module

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
    """Every module of the minigrad package, subpackages included (keras, distributed, ...)."""
    modules = [minigrad]
    for info in pkgutil.walk_packages(minigrad.__path__, "minigrad."):
        module = importable(info.name)
        if module is not None:  # a module that needs an optional package it does not find
            modules.append(module)
    return modules


# Methods documented by their class: an op's forward/backward (the class states the math) and a
# module's forward/extra_repr (the class says what it computes).
CLASS_DOCUMENTED = {Function: ("forward", "backward"), Module: ("forward", "extra_repr")}


def documented_by_class(cls, attr: str) -> bool:
    return any(issubclass(cls, base) and attr in names for base, names in CLASS_DOCUMENTED.items())


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


def test_every_module_of_the_package_is_documented():
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
            if inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if attr.startswith("_") or not (inspect.isfunction(member) or isinstance(member, (property, staticmethod, classmethod))):
                        continue
                    if documented_by_class(obj, attr):
                        continue
                    if not own_doc(member):
                        missing.append(f"{where}: {name}.{attr}")
    assert not missing, f"{len(missing)} public names in minigrad's modules without a docstring:\n  " + "\n  ".join(missing)
