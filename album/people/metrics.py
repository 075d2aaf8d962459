"""Clustering quality measures: BCubed and pairwise precision / recall / F.

Two measures because they fail differently. Pairwise counts pairs of faces, so it is dominated
by the people seen most often: merging two big people ruins it, while a thousand wrong singletons
barely move it. BCubed averages over faces, so every face of the long tail (people seen once)
weighs the same as one of the most photographed person's. Users need both to be good.

A predicted label of ``-1`` means "unsorted": each such face counts as its own singleton cluster,
never as one big "noise" cluster (which would be a huge, wrong merge). That is how the app shows
them, and it lets a ``min_cluster_size=2`` result be scored against a ``min_cluster_size=1`` one.
True labels are taken as they are (any hashable dtype numpy can compare, e.g. names).

Conventions for empty denominators: with no predicted pairs (all singletons), pairwise precision is
1.0 (nothing claimed, nothing wrong); with no true pairs, pairwise recall is 1.0.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

__all__ = ["bcubed", "pairwise"]


def _codes(labels: np.ndarray) -> np.ndarray:
    """Map any labels to 0..k-1 (``-1`` kept as-is for the caller to split)."""
    _, codes = np.unique(np.asarray(labels), return_inverse=True)
    return codes.ravel()


def _split_unsorted(labels_pred: np.ndarray) -> np.ndarray:
    """Give every ``-1`` face a fresh label of its own, so it scores as a singleton."""
    pred = np.asarray(labels_pred).astype(np.int64, copy=True).ravel()
    noise = pred == -1
    if noise.any():
        top = int(pred.max(initial=-1)) + 1
        pred[noise] = top + np.arange(int(noise.sum()))
    return _codes(pred)


def _contingency(
    labels_true: np.ndarray, labels_pred: np.ndarray
) -> tuple[sparse.coo_matrix, np.ndarray, np.ndarray]:
    """Sparse true x predicted count table plus the two marginals (cluster sizes)."""
    true = _codes(labels_true)
    pred = _split_unsorted(labels_pred)
    if true.shape != pred.shape:
        raise ValueError(f"label arrays differ in length: {true.shape} vs {pred.shape}")
    ones = np.ones(true.shape[0], dtype=np.int64)
    table = sparse.coo_matrix((ones, (true, pred))).tocsr().tocoo()  # sums duplicates
    true_sizes = np.bincount(true).astype(np.float64)
    pred_sizes = np.bincount(pred).astype(np.float64)
    return table, true_sizes, pred_sizes


def _f(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def bcubed(labels_true: np.ndarray, labels_pred: np.ndarray) -> tuple[float, float, float]:
    """BCubed (precision, recall, F): per-face purity and completeness, averaged over faces.

    ``-1`` in ``labels_pred`` is a singleton per face (see the module docstring).
    """
    table, true_sizes, pred_sizes = _contingency(labels_true, labels_pred)
    n = float(true_sizes.sum())
    if n == 0:
        return 1.0, 1.0, 1.0
    cell = table.data.astype(np.float64)
    # Each of the `cell` faces in (true t, pred p) has precision cell/|p| and recall cell/|t|.
    precision = float(np.sum(cell * cell / pred_sizes[table.col]) / n)
    recall = float(np.sum(cell * cell / true_sizes[table.row]) / n)
    return precision, recall, _f(precision, recall)


def pairwise(labels_true: np.ndarray, labels_pred: np.ndarray) -> tuple[float, float, float]:
    """Pairwise (precision, recall, F) over all unordered pairs of faces.

    ``-1`` in ``labels_pred`` is a singleton per face (see the module docstring).
    """
    table, true_sizes, pred_sizes = _contingency(labels_true, labels_pred)
    cell = table.data.astype(np.float64)
    both = float(np.sum(cell * (cell - 1)) / 2)
    pred_pairs = float(np.sum(pred_sizes * (pred_sizes - 1)) / 2)
    true_pairs = float(np.sum(true_sizes * (true_sizes - 1)) / 2)
    precision = 1.0 if pred_pairs == 0 else both / pred_pairs
    recall = 1.0 if true_pairs == 0 else both / true_pairs
    return precision, recall, _f(precision, recall)
