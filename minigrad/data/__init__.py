"""Data: batching arrays into Tensors, small datasets, an MNIST reader, and character-level text.

    loader.py    TensorDataset, DataLoader (shuffled mini-batches of Tensors, seeded)
    samplers.py  DistributedSampler (each rank's share of the data set, for data-parallel training)
    datasets.py  load_digits, load_breast_cancer (scikit-learn's bundled copies),
                 train_test_split, standardize
    mnist.py     load_mnist / read_idx: MNIST and Fashion-MNIST IDX files, plain or gzipped
    text.py      CharDataset, default_corpus (for character-level language models)

Everything but DataLoader returns NumPy arrays; DataLoader turns them into Tensors batch by batch.
"""

from .datasets import load_breast_cancer, load_digits, standardize, train_test_split
from .loader import DataLoader, TensorDataset
from .mnist import load_mnist, read_idx
from .samplers import DistributedSampler
from .text import CharDataset, default_corpus

__all__ = [
    "DataLoader", "TensorDataset", "load_digits", "load_breast_cancer", "train_test_split", "standardize",
    "load_mnist", "read_idx", "CharDataset", "default_corpus", "DistributedSampler",
]
