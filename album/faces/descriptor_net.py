"""dlib's face descriptor network, run by numpy with the model file's own weights.

Encoding a face is most of a group photo's time, and the prebuilt dlib wheel (dlib-bin) runs
its ResNet without BLAS: about 90 ms a face. The same network as matrix products through
numpy's bundled OpenBLAS takes about a quarter of that, on one thread, with no compiler
(benchmarks/encode_speed.py). The descriptors are dlib's to within 1e-6 (float rounding):
libraries encoded either way stay one library, and nothing is re-analyzed.

dlib still finds the face, its landmarks and the aligned 150 px chip (`get_face_chips`, the
very call `compute_face_descriptor` makes); only the network's forward pass runs here. The
weights are read from `dlib_face_recognition_resnet_model_v1.dat` (dlib's serialization:
length-prefixed integers and strings, tensors as little-endian float32), and the file must be
exactly the network dlib's example defines (`anet_type` in dnn_face_recognition_ex.cpp):
anything else raises `UnknownNetwork`, and the engine keeps dlib's own encoder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from threadpoolctl import ThreadpoolController

CHIP_SIDE = 150
CHIP_PADDING = 0.25
# input_rgb_image_sized<150>: (pixel - mean) / 256, channels red, green, blue.
PIXEL_MEAN = np.array([122.782, 117.001, 104.298], dtype=np.float32)
# The residual stages after the stem: (filters, blocks); each but the first starts by halving.
STAGES = ((32, 3), (64, 4), (128, 3), (256, 3), (256, 1))
# Faces per forward pass: the first layer's unrolled windows take 3 MB a face, so a crowd of
# 200 is run 8 at a time (a batch of 8 is also about a quarter faster a face than one by one).
BATCH = 8
_LAYER_NAMES = rb"con_[456]|affine_2|affine_|fc_[23]|max_pool_2|avg_pool_2"


class UnknownNetwork(ValueError):
    """The model file is not the network this module runs."""


@dataclass(frozen=True)
class _Conv:
    """A convolution with the affine layer after it folded in: y = w * x + b."""

    weights: np.ndarray  # (filters, channels * rows * cols)
    bias: np.ndarray  # (filters, 1)
    rows: int
    cols: int
    stride: int
    padding: int


class _Reader:
    """dlib's serialization: an integer is a control byte (low 4 bits: how many bytes follow,
    bit 7: negative) and its bytes, least significant first; a string is its length and bytes."""

    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data, self.pos = data, pos

    def integer(self) -> int:
        control = self.data[self.pos]
        size = control & 0x0F
        value = int.from_bytes(self.data[self.pos + 1 : self.pos + 1 + size], "little")
        self.pos += 1 + size
        return -value if control & 0x80 else value

    def string(self) -> str:
        size = self.integer()
        text = self.data[self.pos : self.pos + size].decode("ascii")
        self.pos += size
        return text

    def tensor(self) -> np.ndarray:
        if self.integer() != 2:
            raise UnknownNetwork("unexpected tensor version")
        count = int(np.prod([self.integer() for _ in range(4)]))
        values = np.frombuffer(self.data, "<f4", count, self.pos).astype(np.float32)
        self.pos += 4 * count
        return values

    def shape(self) -> tuple[int, ...]:
        if self.integer() != 1:
            raise UnknownNetwork("unexpected alias_tensor version")
        return tuple(self.integer() for _ in range(4))


def _layers(data: bytes) -> list[tuple]:
    """The layers with parameters or shapes, input first (dlib writes a network's innermost
    layer first). Parameterless layers (relu, tags, add_prev) are implied by the architecture."""
    pattern = re.compile(rb"\x01([\x04-\x0c])(" + _LAYER_NAMES + rb")")
    reader = _Reader(data)
    layers: list[tuple] = []
    pos = 0
    while match := pattern.search(data, pos):
        if match.group(1)[0] != len(match.group(2)):
            pos = match.start() + 1
            continue
        reader.pos = match.start()
        name = reader.string()
        if name.startswith("con_"):
            params = reader.tensor()
            filters = reader.integer()
            rows, cols, stride_y, stride_x, pad_y, pad_x = (reader.integer() for _ in range(6))
            shape = reader.shape()
            reader.shape()  # the biases' alias
            size = int(np.prod(shape))
            if stride_y != stride_x or pad_y != pad_x or shape[0] != filters:
                raise UnknownNetwork(f"unexpected convolution {shape}")
            bias = params[size : size + filters]
            if bias.size != filters:
                bias = np.zeros(filters, np.float32)
            layers.append(("con", params[:size].reshape(shape), bias, stride_y, pad_y))
        elif name.startswith("affine"):
            params = reader.tensor()
            half = int(np.prod(reader.shape()))
            layers.append(("affine", params[:half], params[half : 2 * half]))
        elif name.startswith("fc_"):
            outputs, inputs = reader.integer(), reader.integer()
            params = reader.tensor()
            layers.append(("fc", params[: inputs * outputs].reshape(inputs, outputs)))
        else:
            rows, cols, stride_y, stride_x, pad_y, pad_x = (reader.integer() for _ in range(6))
            layers.append((name[:-2], rows, cols, stride_y, pad_y))
        pos = reader.pos
    return layers


class DescriptorNet:
    """The 128-D face descriptor network: `describe(chips)` is dlib's compute_face_descriptor."""

    def __init__(self, model: Path | str) -> None:
        # One BLAS thread: these matrices are small, and a second thread spinning for a core
        # that a scan's other worker holds made a face take 200 ms instead of 17.
        self._threads = ThreadpoolController()
        layers = iter(_layers(Path(model).read_bytes()))

        def take(kind: str) -> tuple:
            layer = next(layers, None)
            if layer is None or layer[0] != kind:
                raise UnknownNetwork(f"expected {kind}, found {layer and layer[0]}")
            return layer

        def conv() -> _Conv:
            _, w, b, stride, padding = take("con")
            _, gamma, beta = take("affine")
            if gamma.size != w.shape[0]:
                raise UnknownNetwork("affine layer does not match its convolution")
            folded = (w * gamma[:, None, None, None]).reshape(w.shape[0], -1)
            bias = (b * gamma + beta)[:, None]
            return _Conv(folded, bias, w.shape[2], w.shape[3], stride, padding)

        self.stem = conv()
        _, *self.stem_pool = take("max_pool")
        self.blocks: list[tuple[_Conv, _Conv, tuple | None]] = []
        for stage, (_, blocks) in enumerate(STAGES):
            for i in range(blocks):
                first, second = conv(), conv()
                shortcut = take("avg_pool")[1:] if stage and i == 0 else None
                self.blocks.append((first, second, shortcut))
        if take("avg_pool")[1:3] != (0, 0):  # avg_pool_everything
            raise UnknownNetwork("expected a global average pool")
        self.projection = take("fc")[1]
        if next(layers, None) is not None or self.projection.shape != (STAGES[-1][0], 128):
            raise UnknownNetwork("unexpected layers after the projection")

    def describe(self, chips: np.ndarray) -> np.ndarray:
        """Descriptors (n, 128) of aligned face chips (n, 150, 150, 3), RGB uint8."""
        with self._threads.limit(limits=1, user_api="blas"):
            parts = [self._forward(chips[i : i + BATCH]) for i in range(0, len(chips), BATCH)]
        return np.concatenate(parts) if parts else np.zeros((0, 128), np.float32)

    def _forward(self, chips: np.ndarray) -> np.ndarray:
        x = ((chips.astype(np.float32) - PIXEL_MEAN) * np.float32(1 / 256)).transpose(3, 0, 1, 2)
        x = np.maximum(_convolve(x, self.stem), 0)
        x = _pool(x, *self.stem_pool, average=False)
        for first, second, shortcut in self.blocks:
            y = _convolve(np.maximum(_convolve(x, first), 0), second)
            if shortcut is not None:
                x = _pool(x, *shortcut, average=True)
            x = np.maximum(_add(y, x), 0)
        return x.mean(axis=(2, 3)).T @ self.projection


def _convolve(x: np.ndarray, conv: _Conv) -> np.ndarray:
    """x (channels, n, rows, cols) -> (filters, n, rows', cols'), as one matrix product."""
    if conv.padding:
        p = conv.padding
        x = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    windows = np.lib.stride_tricks.sliding_window_view(x, (conv.rows, conv.cols), axis=(2, 3))
    windows = windows[:, :, :: conv.stride, :: conv.stride]
    channels, n, rows, cols = windows.shape[:4]
    columns = windows.transpose(0, 4, 5, 1, 2, 3).reshape(channels * conv.rows * conv.cols, -1)
    out = conv.weights @ columns
    out += conv.bias
    return out.reshape(-1, n, rows, cols)


def _pool(
    x: np.ndarray, rows: int, cols: int, stride: int, padding: int, *, average: bool
) -> np.ndarray:
    """dlib's max_pool / avg_pool: the window's shifted strided views combined in place."""
    if rows != cols or padding:
        raise UnknownNetwork("unexpected pooling")
    last_row = stride * ((x.shape[2] - rows) // stride) + 1
    last_col = stride * ((x.shape[3] - cols) // stride) + 1
    views = [
        x[:, :, dy : dy + last_row : stride, dx : dx + last_col : stride]
        for dy in range(rows)
        for dx in range(cols)
    ]
    combine = np.add if average else np.maximum
    out = views[0].copy()
    for view in views[1:]:
        combine(out, view, out=out)
    if average:
        out *= np.float32(1 / len(views))
    return out


def _add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """dlib's add_prev: tensors of different sizes add as if zero-padded to the larger."""
    if a.shape == b.shape:
        return a + b
    out = np.zeros(tuple(max(p, q) for p, q in zip(a.shape, b.shape, strict=True)), np.float32)
    out[tuple(slice(0, s) for s in a.shape)] += a
    out[tuple(slice(0, s) for s in b.shape)] += b
    return out
