"""Gradient test cases for every op in `minigrad.OPS`, gathered from the modules of this folder.

Each module defines `CASES`: a dict from an op's class name to a function
`case(draw) -> (fn, inputs)` or `(fn, inputs, gradcheck_kwargs)`, where `draw` is
hypothesis's `data.draw` and `inputs` are float64 tensors with requires_grad=True. tests/test_gradients.py runs
`mg.gradcheck(fn, inputs)` on each, and fails for any op with no case here.
Add a module to this folder to register cases for new ops; nothing else to edit.
"""

import importlib
import pkgutil

CASES: dict = {}
for _info in pkgutil.iter_modules(__path__):
    _module = importlib.import_module(f"{__name__}.{_info.name}")
    for _name, _case in _module.CASES.items():
        if _name in CASES:
            raise RuntimeError(f"gradient case for {_name} defined twice ({_info.name})")
        CASES[_name] = _case
