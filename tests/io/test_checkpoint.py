"""mg.save / mg.load: exact round trips of nested structures, and clear errors for bad files."""

import json
import pickle

import numpy as np
import pytest

import minigrad as mg
from minigrad.io import CheckpointError

pytest.importorskip("safetensors")


def assert_same(a, b):
    """Equal values and equal types, all the way down (a Tensor is not an array, a tuple not a list)."""
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, mg.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape and a.requires_grad == b.requires_grad
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            assert type(k) is type([kb for kb in b if kb == k][0])
            assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b)
    else:
        assert a == b


def round_trip(obj, tmp_path):
    path = tmp_path / "ckpt.safetensors"
    mg.save(obj, path)
    return mg.load(path)


def test_nested_structure_round_trips_exactly(tmp_path):
    rng = np.random.default_rng(0)
    obj = {
        "model": {
            "fc1.weight": mg.tensor(rng.standard_normal((4, 3)).astype(np.float32)),
            "fc1.bias": mg.tensor(rng.standard_normal(4).astype(np.float16)),
            "scale": mg.tensor(np.float64(2.5), dtype="float64", requires_grad=True),
            "positions": mg.tensor(np.arange(7)),
            "mask": mg.tensor(np.array([True, False, True])),
            "empty": mg.zeros(0, 5),
        },
        "optim": {"state": {0: {"step": 12, "exp_avg": mg.ones(4, 3)}, 3: {"step": 1}},
                  "param_groups": [{"lr": 3e-4, "betas": (0.9, 0.95), "params": [0, 1, 2, 3], "nesterov": False}]},
        "step": 12,
        "loss": 0.125,
        "nan": float("nan"),
        "config": {"name": "gpt-nano", "layers": [1, 2, (3, 4)], "dropout": None, "tied": True},
        "histogram": np.arange(6, dtype=np.int32).reshape(2, 3),
        "pairs": {(0, "a"): "tuple key", 1.5: "float key", None: "none key"},
        "tricky": {"__mg__": "a user key that looks like a marker"},
        "empty_list": [],
        "empty_dict": {},
        "empty_tuple": (),
    }
    assert_same(round_trip(obj, tmp_path), obj)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int64", "int32", "uint8", "bool"])
def test_every_dtype_round_trips(dtype, tmp_path):
    array = (np.arange(24).reshape(2, 3, 4) % 5).astype(dtype)
    back = round_trip({"t": mg.tensor(array), "a": array}, tmp_path)
    assert back["t"].dtype == np.dtype(dtype) and back["a"].dtype == np.dtype(dtype)
    np.testing.assert_array_equal(back["t"].numpy(), array)
    np.testing.assert_array_equal(back["a"], array)


def test_bare_tensor_and_bare_list(tmp_path):
    assert_same(round_trip(mg.arange(5), tmp_path), mg.arange(5))
    assert_same(round_trip([mg.ones(2), 3, "x"], tmp_path), [mg.ones(2), 3, "x"])


def test_non_contiguous_arrays_and_numpy_scalars(tmp_path):
    base = np.arange(12.0).reshape(3, 4)
    back = round_trip({"t": mg.tensor(base).T, "a": base[:, ::2], "n": np.int64(7), "f": np.float32(0.5)}, tmp_path)
    np.testing.assert_array_equal(back["t"].numpy(), base.T)
    np.testing.assert_array_equal(back["a"], base[:, ::2])
    assert back["n"] == 7 and type(back["n"]) is int
    assert back["f"] == 0.5 and type(back["f"]) is float


def test_colliding_dotted_names_stay_apart(tmp_path):
    obj = {"a.b": mg.ones(1), "a": {"b": mg.zeros(1)}}
    back = round_trip(obj, tmp_path)
    assert back["a.b"].item() == 1.0 and back["a"]["b"].item() == 0.0


def test_file_is_plain_safetensors_with_dotted_names(tmp_path):
    from safetensors.numpy import load_file

    path = tmp_path / "ckpt.safetensors"
    mg.save({"model": {"fc1": {"weight": mg.ones(2, 2)}}, "optim": {"state": {0: {"exp_avg": mg.zeros(2)}}}}, path)
    assert set(load_file(str(path))) == {"model.fc1.weight", "optim.state.0.exp_avg"}


def test_plain_safetensors_file_loads_as_a_flat_dict(tmp_path):
    from safetensors.numpy import save_file

    path = tmp_path / "other.safetensors"
    save_file({"wte": np.ones((3, 2), np.float32), "ln.bias": np.zeros(2, np.float32)}, str(path))
    back = mg.load(path)
    assert set(back) == {"wte", "ln.bias"}
    assert isinstance(back["wte"], mg.Tensor) and back["wte"].shape == (3, 2)


def test_save_leaves_no_partial_file_and_overwrites(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    mg.save({"step": 1}, path)
    mg.save({"step": 2}, path)
    assert mg.load(path) == {"step": 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.safetensors"]


def test_unsavable_objects_are_a_clear_error(tmp_path):
    with pytest.raises(TypeError, match=r"cannot save a function at 'config.activation'.*nothing is pickled"):
        mg.save({"config": {"activation": lambda x: x}}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="complex128"):
        mg.save({"z": np.ones(2, dtype=complex)}, tmp_path / "x.safetensors")
    assert not (tmp_path / "x.safetensors").exists()


def test_load_onto_an_unknown_device_is_an_error(tmp_path):
    mg.save({"x": mg.ones(1)}, tmp_path / "c.safetensors")
    with pytest.raises(ValueError, match="unknown device"):
        mg.load(tmp_path / "c.safetensors", device="tpu")


# ---- bad files ----------------------------------------------------------------------------
@pytest.fixture
def good_file(tmp_path):
    path = tmp_path / "good.safetensors"
    mg.save({"w": mg.randn(16, 16), "step": 3}, path)
    return path


def write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_missing_file(tmp_path):
    path = tmp_path / "nope.safetensors"
    with pytest.raises(FileNotFoundError, match=r"nope\.safetensors.*does not exist"):
        mg.load(path)


@pytest.mark.parametrize("keep", [4, 20, "header", "half-data", "one-byte-short"])
def test_truncated_file(good_file, tmp_path, keep):
    data = good_file.read_bytes()
    header_len = int.from_bytes(data[:8], "little")
    cut = {"header": 8 + header_len // 2, "half-data": 8 + header_len + 512, "one-byte-short": len(data) - 1}.get(keep, keep)
    path = write(tmp_path, "cut.safetensors", data[:cut])
    with pytest.raises(CheckpointError, match=r"cut\.safetensors.*(truncated|too short)"):
        mg.load(path)


def test_corrupted_header(good_file, tmp_path):
    data = bytearray(good_file.read_bytes())
    header_len = int.from_bytes(data[:8], "little")
    position = data.index(b'"dtype"', 8, 8 + header_len)
    data[position] = ord("}")  # break the JSON in the middle of the header
    path = write(tmp_path, "bad.safetensors", bytes(data))
    with pytest.raises(CheckpointError, match=r"bad\.safetensors.*corrupted header"):
        mg.load(path)


def test_corrupted_structure_metadata(good_file, tmp_path):
    data = good_file.read_bytes()
    header_len = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + header_len])
    header["__metadata__"]["minigrad.structure"] = '{"w": {"__mg__": "tensor", "key": "missing"}}'
    new_header = json.dumps(header).encode()
    path = write(tmp_path, "meta.safetensors",
                 len(new_header).to_bytes(8, "little") + new_header + data[8 + header_len:])
    with pytest.raises(CheckpointError, match=r"meta\.safetensors.*'missing'"):
        mg.load(path)


def test_bad_data_offsets_are_reported_by_the_library(good_file, tmp_path):
    data = good_file.read_bytes()
    header_len = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + header_len])
    header["w"]["data_offsets"] = [0, 10]  # 10 bytes cannot hold 16 x 16 float32
    new_header = json.dumps(header).encode()
    path = write(tmp_path, "offsets.safetensors",
                 len(new_header).to_bytes(8, "little") + new_header + data[8 + header_len:])
    with pytest.raises(CheckpointError, match=r"offsets\.safetensors.*not a readable safetensors file"):
        mg.load(path)


@pytest.mark.parametrize("content, message", [
    (b"step,loss\n1,0.5\n2,0.25\n" * 4, "not a safetensors file"),
    (b"PK\x03\x04" + bytes(60), "zip archive"),
    (pickle.dumps({"w": [1.0, 2.0]}), "pickle"),
    (b"", "too short"),
])
def test_foreign_file(tmp_path, content, message):
    path = write(tmp_path, "foreign.bin", content)
    with pytest.raises(CheckpointError, match=rf"foreign\.bin.*{message}"):
        mg.load(path)


def test_torch_save_file_is_refused(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "model.pt"
    torch.save({"w": torch.ones(2)}, path)
    with pytest.raises(CheckpointError, match=r"model\.pt.*zip archive"):
        mg.load(path)


class _Payload:
    """Unpickling this would create a file: the classic way a pickle runs code."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (str(self.target), "w"))


def test_loading_runs_no_code(tmp_path):
    marker = tmp_path / "pwned"
    path = write(tmp_path, "evil.safetensors", pickle.dumps(_Payload(marker)))
    with pytest.raises(CheckpointError):
        mg.load(path)
    assert not marker.exists()


def test_directory_is_not_a_checkpoint(tmp_path):
    with pytest.raises(CheckpointError, match="directory"):
        mg.load(tmp_path)


def test_a_header_length_whose_low_byte_is_0x80_still_loads(tmp_path):
    # The first byte of a safetensors file is the low byte of its header length; 0x80 is also
    # how a pickle starts, and must not be mistaken for one. Pad the metadata until it happens.
    path = tmp_path / "ckpt.safetensors"
    for pad in range(0, 400):
        mg.save({"w": mg.zeros(2), "note": "x" * pad}, path)
        if path.read_bytes()[:1] == b"\x80":
            break
    else:
        pytest.skip("no padding gave a header length with low byte 0x80")
    loaded = mg.load(path)
    assert loaded["note"] == "x" * pad and loaded["w"].shape == (2,)
