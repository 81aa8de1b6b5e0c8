"""Everything public in minigrad.keras has a docstring: its modules, classes, functions, and
the public methods and properties of its classes."""

import importlib
import inspect
import pkgutil

import minigrad.keras


def keras_modules():
    names = [minigrad.keras.__name__] + [m.name for m in pkgutil.walk_packages(minigrad.keras.__path__,
                                                                                minigrad.keras.__name__ + ".")]
    return [importlib.import_module(name) for name in names]


def own_doc(obj) -> str:
    if isinstance(obj, property):
        obj = obj.fget
    doc = obj.__dict__.get("__doc__") if inspect.isclass(obj) else getattr(obj, "__doc__", None)
    return (doc or "").strip()


def test_every_public_name_in_minigrad_keras_is_documented():
    missing = []
    for module in keras_modules():
        if not (module.__doc__ or "").strip():
            missing.append(f"{module.__name__} (module)")
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            if not own_doc(obj):
                missing.append(f"{module.__name__}.{name}")
            if inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if attr.startswith("_") or not (inspect.isfunction(member) or isinstance(member, property)):
                        continue
                    if not own_doc(member):
                        missing.append(f"{module.__name__}.{name}.{attr}")
    assert not missing, "public names without a docstring:\n  " + "\n  ".join(missing)
