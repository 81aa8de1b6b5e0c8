"""Checkpoints: `mg.save(obj, path)` and `mg.load(path)` in the safetensors format, never pickle.

A checkpoint is usually a nested structure:

    mg.save({"model": model.state_dict(), "optim": opt.state_dict(), "step": 1200,
             "config": {"n_layer": 4, "dropout": 0.1}}, "ckpt.safetensors")
    ckpt = mg.load("ckpt.safetensors")      # the same structure back; Tensors are Tensors

How it is stored. A safetensors file is an 8-byte little-endian header length, a JSON header
(name -> dtype, shape, byte range; plus a "__metadata__" str -> str map) and the raw bytes of
every array. `save` walks `obj`, gives each Tensor / array a dotted name from its path
("model.fc1.weight", "optim.state.0.exp_avg") and stores it as a tensor of the file; the rest
of the structure is written as JSON in the metadata, with each array replaced by a reference
to its name. Loading parses JSON and copies bytes into arrays: nothing in the file is ever
executed, unlike a pickle (torch.save), which can run arbitrary code when loaded.

What comes back exactly: Tensors (with dtype and requires_grad), NumPy arrays, dicts (also with
int keys, like an optimizer's state), lists, tuples, int, float, bool, None and str.
NumPy scalars come back as Python numbers, CuPy arrays as NumPy arrays, dict subclasses
(OrderedDict) as plain dicts, and a Tensor saved twice as two separate Tensors. A plain safetensors file written by another tool
loads as a flat {name: Tensor} dict.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from .backend import check_device, to_device
from .tensor import Tensor

_MARK = "__mg__"  # marks the JSON objects that stand for something JSON cannot say directly
_STRUCTURE_KEY = "minigrad.structure"
_VERSION_KEY = "minigrad.format"
_VERSION = "1"
_SAVABLE_KINDS = "biuf"  # bool, signed and unsigned integers, floats: what safetensors stores


class CheckpointError(ValueError):
    """A file that mg.load cannot read: truncated, corrupted, or not a safetensors checkpoint."""


def _safetensors():
    try:
        import safetensors.numpy
    except ImportError as err:
        raise ImportError(
            "mg.save/mg.load need the safetensors package: pip install safetensors (or minigrad[test])"
        ) from err
    return safetensors.numpy


# ---- save ---------------------------------------------------------------------------
def save(obj: Any, path: str | os.PathLike) -> None:
    """Write `obj` (nested dicts/lists/tuples of Tensors, arrays, numbers, strings) to `path`.

    The file is written next to `path` and then renamed over it, so a run killed while
    saving never leaves a half-written checkpoint in place of the previous one.
    """
    arrays: dict[str, np.ndarray] = {}
    structure = _encode(obj, [], arrays)
    metadata = {_VERSION_KEY: _VERSION, _STRUCTURE_KEY: json.dumps(structure)}
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    _safetensors().save_file(arrays, str(partial), metadata=metadata)
    os.replace(partial, path)


def _encode(obj, where: list, arrays: dict):
    """The JSON-able form of `obj`; its arrays go into `arrays` under fresh dotted names."""
    if isinstance(obj, Tensor):
        return {_MARK: "tensor", "key": _add_array(obj.data, where, arrays), "requires_grad": obj.requires_grad}
    if isinstance(obj, np.ndarray) or hasattr(obj, "__cuda_array_interface__"):
        return {_MARK: "array", "key": _add_array(obj, where, arrays)}
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, tuple):
        return {_MARK: "tuple", "items": [_encode(v, where + [str(i)], arrays) for i, v in enumerate(obj)]}
    if isinstance(obj, list):
        return [_encode(v, where + [str(i)], arrays) for i, v in enumerate(obj)]
    if isinstance(obj, dict):
        if all(isinstance(k, str) for k in obj) and _MARK not in obj:
            return {k: _encode(v, where + [k], arrays) for k, v in obj.items()}
        # int keys (an optimizer's state), or keys JSON objects cannot hold: keep them as pairs
        return {_MARK: "dict", "items": [[_encode_key(k, where), _encode(v, where + [str(k)], arrays)]
                                         for k, v in obj.items()]}
    raise TypeError(
        f"mg.save: cannot save a {type(obj).__name__} at {_name(where)!r}: a checkpoint holds Tensors, arrays, "
        "dicts, lists, tuples, numbers, strings and None (nothing is pickled)"
    )


def _encode_key(key, where: list):
    if isinstance(key, np.generic):
        key = key.item()
    if key is None or isinstance(key, (bool, int, float, str)):
        return key
    if isinstance(key, tuple):
        return {_MARK: "tuple", "items": [_encode_key(k, where) for k in key]}
    raise TypeError(f"mg.save: cannot save a dict key of type {type(key).__name__} at {_name(where)!r}")


def _name(where: list) -> str:
    return ".".join(where) if where else "<root>"


def _add_array(array, where: list, arrays: dict) -> str:
    array = to_device(array, "cpu")
    if array.dtype.kind not in _SAVABLE_KINDS:
        raise TypeError(f"mg.save: cannot store the {array.dtype} array at {_name(where)!r}: "
                        "safetensors holds bool, integer and float arrays")
    if not array.dtype.isnative:
        array = array.astype(array.dtype.newbyteorder("="))
    key = _name(where)
    unique, n = key, 1
    while unique in arrays:  # {"a.b": x, "a": {"b": y}} would otherwise collide
        unique, n = f"{key}#{n}", n + 1
    # (not np.ascontiguousarray: it turns 0-d arrays into 1-d ones)
    arrays[unique] = array if array.flags.c_contiguous else array.copy(order="C")
    return unique


# ---- load ---------------------------------------------------------------------------
def load(path: str | os.PathLike, device: str = "cpu") -> Any:
    """Read a checkpoint written by `save`; its Tensors are placed on `device` ("cpu" or "cuda").

    Raises FileNotFoundError for a missing file and CheckpointError (a ValueError) for a file
    that is truncated, corrupted, or not a safetensors file, naming the path and the problem.
    """
    device = check_device(device)
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"mg.load: no checkpoint at {str(path)!r} (file does not exist)")
    if path.is_dir():
        raise CheckpointError(f"mg.load: {str(path)!r} is a directory, not a checkpoint file")
    data = path.read_bytes()
    header = _read_header(path, data)
    try:
        arrays = _safetensors().load(data)
    except Exception as err:  # safetensors raises its own SafetensorError for every malformed file
        raise CheckpointError(f"mg.load: {str(path)!r} is not a readable safetensors file: {err}") from err

    metadata = header.get("__metadata__") or {}
    if _STRUCTURE_KEY not in metadata:  # a safetensors file from another tool: a flat dict
        return {name: Tensor._wrap(to_device(array, device), False) for name, array in arrays.items()}
    try:
        structure = json.loads(metadata[_STRUCTURE_KEY])
    except (json.JSONDecodeError, TypeError) as err:
        raise CheckpointError(f"mg.load: {str(path)!r}: the saved structure is corrupted ({err})") from err
    return _decode(structure, arrays, device, path)


def _read_header(path: Path, data: bytes) -> dict:
    """Check the layout by hand first, so a bad file gets an error that says what is wrong with it."""
    where = repr(str(path))
    if len(data) < 8:
        raise CheckpointError(f"mg.load: {where} is {len(data)} bytes long: too short to be a safetensors file "
                              "(truncated or empty?)")
    header_len = int.from_bytes(data[:8], "little")
    if data[8:9] != b"{":  # a safetensors header is a JSON object right after the 8-byte length
        # Only now look for other formats' signatures: a header length's low byte may be anything.
        if data[:2] == b"PK":
            raise CheckpointError(f"mg.load: {where} is a zip archive (as torch.save writes), not a safetensors file")
        if data[:1] == b"\x80":
            raise CheckpointError(f"mg.load: {where} looks like a Python pickle; minigrad never loads pickles "
                                  "(they can run code): save it as safetensors instead")
        raise CheckpointError(f"mg.load: {where} is not a safetensors file (it starts with {data[:16]!r}; "
                              "a safetensors file starts with a header length and a JSON header)")
    if header_len > len(data) - 8:
        raise CheckpointError(f"mg.load: {where} is truncated: its header should be {header_len} bytes but only "
                              f"{len(data) - 8} bytes follow the length field")
    header_bytes = data[8:8 + header_len]
    try:
        header = json.loads(header_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CheckpointError(f"mg.load: {where} has a corrupted header (not valid JSON: {err})") from err
    if not isinstance(header, dict):
        raise CheckpointError(f"mg.load: {where} has a corrupted header (a JSON {type(header).__name__}, "
                              "expected an object)")
    try:
        needed = max((int(entry["data_offsets"][1]) for name, entry in header.items() if name != "__metadata__"),
                     default=0)
    except (KeyError, TypeError, ValueError, IndexError) as err:
        raise CheckpointError(f"mg.load: {where} has a corrupted header (bad tensor entry: {err!r})") from err
    present = len(data) - 8 - header_len
    if needed > present:
        raise CheckpointError(f"mg.load: {where} is truncated: the header describes {needed} bytes of tensor data "
                              f"but the file holds {present}")
    return header


def _decode(node, arrays: dict, device: str, path: Path):
    if isinstance(node, list):
        return [_decode(v, arrays, device, path) for v in node]
    if not isinstance(node, dict):
        return node
    kind = node.get(_MARK)
    if kind is None:
        return {k: _decode(v, arrays, device, path) for k, v in node.items()}
    if kind in ("tensor", "array"):
        key = node.get("key")
        if key not in arrays:
            raise CheckpointError(f"mg.load: {str(path)!r} is corrupted: its structure refers to a tensor "
                                  f"{key!r} that the file does not hold")
        if kind == "array":
            return arrays[key]
        out = Tensor._wrap(to_device(arrays[key], device), False)
        return out.requires_grad_(True) if node.get("requires_grad") else out
    if kind == "tuple":
        return tuple(_decode(v, arrays, device, path) for v in node["items"])
    if kind == "dict":
        return {_decode_key(k): _decode(v, arrays, device, path) for k, v in node["items"]}
    raise CheckpointError(f"mg.load: {str(path)!r} has an unknown entry kind {kind!r} in its structure "
                          "(written by a newer minigrad?)")


def _decode_key(key):
    if isinstance(key, dict) and key.get(_MARK) == "tuple":
        return tuple(_decode_key(k) for k in key["items"])
    return key
