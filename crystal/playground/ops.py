"""Convolution, pooling and ReLU on small 2-D grids, plus the step-by-step trace the playground shows.

Everything is plain numpy so the numbers can be checked against TensorFlow's own ops
(``tests/test_ops.py``) and explained one window at a time. Conventions follow Keras/TensorFlow:
"convolution" is cross-correlation (the kernel is not flipped), padding adds zeros on every side,
and pooling keeps only windows that fit entirely inside the grid ("VALID").

Invalid arguments raise ``ValueError`` with a message written for the person using the page, so
the page can show it as-is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike

from crystal.numbers import dims, format_number

PoolMode = Literal["max", "avg"]
POOL_MODES: tuple[PoolMode, ...] = ("max", "avg")


@dataclass(frozen=True, eq=False)
class Step:
    """One position of a sliding window and the single output number it produces.

    ``rows``/``cols`` index the grid the window slides over: the *padded* input for a
    convolution, the input itself for pooling. Arrays are read-only.

    Attributes
    ----------
    index : int
        0-based position in row-major order over the output cells.
    out_row, out_col : int
        The output cell this window fills.
    rows, cols : slice
        Where the window sits.
    window : ndarray
        The values under the window.
    kernel : ndarray or None
        The kernel weights (convolution only).
    products : ndarray or None
        ``window * kernel``, element by element (convolution only).
    value : float
        The output cell: sum of the products, or the max/average of the window.
    op : {"conv", "max", "avg"}
        Which operation produced ``value``.
    """

    index: int
    out_row: int
    out_col: int
    rows: slice
    cols: slice
    window: np.ndarray
    kernel: np.ndarray | None
    products: np.ndarray | None
    value: float
    op: str

    def equation(self) -> str:
        """The arithmetic behind ``value``, written out the way a teacher would on a board.

        Examples
        --------
        >>> step = conv_step([[1, 2], [3, 4]], [[1, 0], [0, -1]], 0)
        >>> step.equation()
        '1×1 + 2×0 + 3×0 + 4×(−1) = −3'
        >>> pool_step([[1, 2], [3, 4]], 0, size=2, mode="avg").equation()
        'average(1, 2, 3, 4) = (1 + 2 + 3 + 4) / 4 = 2.5'
        """
        values = [format_number(v, signed=True) for v in self.window.ravel()]
        result = format_number(self.value)
        if self.op == "conv":
            assert self.kernel is not None
            weights = [format_number(w, signed=True) for w in self.kernel.ravel()]
            terms = " + ".join(f"{v}×{w}" for v, w in zip(values, weights))
            return f"{terms} = {result}"
        if self.op == "max":
            return f"max({', '.join(format_number(v) for v in self.window.ravel())}) = {result}"
        listed = ", ".join(format_number(v) for v in self.window.ravel())
        return f"average({listed}) = ({' + '.join(values)}) / {self.window.size} = {result}"


def relu(x: ArrayLike) -> np.ndarray:
    """Rectified linear unit: keep positive numbers, turn negative ones into 0.

    Examples
    --------
    >>> relu([[-2, 0, 3]])
    array([[0., 0., 3.]])
    """
    return np.maximum(np.asarray(x, dtype=float), 0.0)


def output_size(n: int, k: int, stride: int = 1, padding: int = 0) -> int:
    """Length of the output along one axis: ``floor((n + 2p - k) / s) + 1``.

    Examples
    --------
    >>> output_size(5, 3), output_size(28, 2, stride=2), output_size(5, 3, padding=1)
    (3, 14, 5)
    """
    _check_stride(stride)
    _check_padding(padding)
    if n < 1 or k < 1:
        raise ValueError("Grid and window sizes must be at least 1.")
    if k > n + 2 * padding:
        raise ValueError(f"A window of {k} cells does not fit in {n + 2 * padding} cells.")
    return (n + 2 * padding - k) // stride + 1


def size_formula(n: int, k: int, stride: int = 1, padding: int | None = 0) -> str:
    """The output-size formula with the actual numbers filled in, for showing under a result.

    ``padding=None`` leaves the padding term out (pooling has none). When the division is not
    exact the formula shows the rounding down, which is where leftover cells get dropped.

    Examples
    --------
    >>> size_formula(5, 3)
    '(5 + 2·0 − 3) / 1 + 1 = 3'
    >>> size_formula(5, 2, stride=2, padding=None)
    '⌊(5 − 2) / 2⌋ + 1 = ⌊1.5⌋ + 1 = 2'
    """
    size = output_size(n, k, stride, padding or 0)
    inner = f"{n} + 2·{padding} − {k}" if padding is not None else f"{n} − {k}"
    span = n + 2 * (padding or 0) - k
    if span % stride == 0:
        return f"({inner}) / {stride} + 1 = {size}"
    return f"⌊({inner}) / {stride}⌋ + 1 = ⌊{format_number(span / stride)}⌋ + 1 = {size}"


def pad(x: ArrayLike, padding: int) -> np.ndarray:
    """Surround the grid with ``padding`` rings of zeros, as a convolution layer's padding does.

    Examples
    --------
    >>> pad([[5]], 1)
    array([[0., 0., 0.],
           [0., 5., 0.],
           [0., 0., 0.]])
    """
    _check_padding(padding)
    grid = _as_grid(x, "input")
    return np.pad(grid, padding) if padding else grid


def conv2d(x: ArrayLike, kernel: ArrayLike, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Slide ``kernel`` over ``x`` and add up the element-wise products at each position.

    This is what a Keras ``Conv2D`` layer computes for one input and one output channel:
    cross-correlation (no kernel flip), ``padding`` rings of zeros on every side, and the
    window moved ``stride`` cells at a time.

    Examples
    --------
    >>> image = [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]
    >>> conv2d(image, [[1, 0, 1], [0, 1, 0], [1, 0, 1]])
    array([[4., 3., 4.],
           [2., 4., 3.],
           [2., 3., 4.]])
    """
    grid, weights = _check_conv(x, kernel, stride, padding)
    windows = sliding_window_view(np.pad(grid, padding), weights.shape)[::stride, ::stride]
    return np.einsum("ijkl,kl->ij", windows, weights)


def pool2d(x: ArrayLike, size: int = 2, stride: int = 2, mode: PoolMode = "max") -> np.ndarray:
    """Summarise each ``size`` x ``size`` window by its largest value (``"max"``) or mean (``"avg"``).

    Only windows that fit entirely inside ``x`` are used (TensorFlow's ``"VALID"``), so rows or
    columns left over at the edge are dropped.

    Examples
    --------
    >>> pool2d([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])
    array([[6., 8.],
           [3., 4.]])
    """
    grid = _check_pool(x, size, stride, mode)
    windows = sliding_window_view(grid, (size, size))[::stride, ::stride]
    return windows.max(axis=(2, 3)) if mode == "max" else windows.mean(axis=(2, 3))


def conv_step(x: ArrayLike, kernel: ArrayLike, index: int, stride: int = 1, padding: int = 0) -> Step:
    """The ``index``-th window of ``conv2d(x, kernel, stride, padding)`` (row-major, 0-based).

    Costs one window's worth of work, so the page can show any step of a 28x28 walk-through
    without tracing the others.

    Examples
    --------
    >>> image = [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]
    >>> step = conv_step(image, [[1, 0, 1], [0, 1, 0], [1, 0, 1]], 1)
    >>> (step.out_row, step.out_col, step.rows, step.cols, step.value)
    (0, 1, slice(0, 3, None), slice(1, 4, None), 3.0)
    """
    grid, weights = _check_conv(x, kernel, stride, padding)
    padded = np.pad(grid, padding)
    shape = _out_shape(padded.shape, weights.shape, stride)
    return _conv_window(padded, _frozen(weights), index, shape, stride)


def conv_trace(x: ArrayLike, kernel: ArrayLike, stride: int = 1, padding: int = 0) -> Iterator[Step]:
    """Every step of ``conv2d``, lazily, in row-major order over the output cells.

    Examples
    --------
    >>> [step.value for step in conv_trace([[1, 2, 3]], [[1, 1]])]
    [3.0, 5.0]
    """
    grid, weights = _check_conv(x, kernel, stride, padding)
    padded = np.pad(grid, padding)
    shape = _out_shape(padded.shape, weights.shape, stride)
    frozen_weights = _frozen(weights)
    for index in range(shape[0] * shape[1]):
        yield _conv_window(padded, frozen_weights, index, shape, stride)


def pool_step(x: ArrayLike, index: int, size: int = 2, stride: int = 2, mode: PoolMode = "max") -> Step:
    """The ``index``-th window of ``pool2d(x, size, stride, mode)`` (row-major, 0-based).

    Examples
    --------
    >>> step = pool_step([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]], 0)
    >>> step.equation()
    'max(1, 1, 5, 6) = 6'
    """
    grid = _check_pool(x, size, stride, mode)
    shape = _out_shape(grid.shape, (size, size), stride)
    return _pool_window(grid, index, shape, size, stride, mode)


def pool_trace(x: ArrayLike, size: int = 2, stride: int = 2, mode: PoolMode = "max") -> Iterator[Step]:
    """Every step of ``pool2d``, lazily, in row-major order over the output cells.

    Examples
    --------
    >>> [step.value for step in pool_trace([[1, 1, 2, 4], [5, 6, 7, 8]])]
    [6.0, 8.0]
    """
    grid = _check_pool(x, size, stride, mode)
    shape = _out_shape(grid.shape, (size, size), stride)
    for index in range(shape[0] * shape[1]):
        yield _pool_window(grid, index, shape, size, stride, mode)


def partial_output(output: ArrayLike, steps_done: int) -> np.ndarray:
    """``output`` with only its first ``steps_done`` cells (row-major) filled; the rest are NaN.

    This is the output "filling in" during a walk-through: NaN cells are drawn blank.

    Examples
    --------
    >>> partial_output([[4, 3], [2, 4]], 3)
    array([[ 4.,  3.],
           [ 2., nan]])
    """
    shown = np.array(output, dtype=float)
    shown.reshape(-1)[max(steps_done, 0) :] = np.nan
    return shown


# --- checks and helpers -------------------------------------------------------------------------


def _as_grid(x: ArrayLike, what: str) -> np.ndarray:
    """``x`` as a finite 2-D float array, or a ValueError that names the problem."""
    try:
        grid = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"The {what} must contain only numbers, in rows of equal length.") from None
    if grid.ndim != 2:
        raise ValueError(f"The {what} must be a 2-D grid (rows × columns), not {grid.ndim}-D.")
    if grid.size == 0:
        raise ValueError(f"The {what} is empty: it needs at least one row and one column.")
    bad = np.argwhere(~np.isfinite(grid))
    if len(bad):
        row, col = bad[0] + 1
        raise ValueError(f"The {what} holds a value that is not a finite number at row {row}, column {col}.")
    return grid


def _check_stride(stride: int) -> None:
    if isinstance(stride, bool) or not isinstance(stride, (int, np.integer)) or stride < 1:
        raise ValueError(
            f"The stride must be a whole number of at least 1 (got {stride!r}): "
            "the window has to move by at least one cell each step."
        )


def _check_padding(padding: int) -> None:
    if isinstance(padding, bool) or not isinstance(padding, (int, np.integer)) or padding < 0:
        raise ValueError(f"The padding must be a whole number of cells, 0 or more (got {padding!r}).")


def _check_conv(x: ArrayLike, kernel: ArrayLike, stride: int, padding: int) -> tuple[np.ndarray, np.ndarray]:
    grid = _as_grid(x, "input")
    weights = _as_grid(kernel, "kernel")
    _check_stride(stride)
    _check_padding(padding)
    padded = (grid.shape[0] + 2 * padding, grid.shape[1] + 2 * padding)
    if weights.shape[0] > padded[0] or weights.shape[1] > padded[1]:
        where = f"the {dims(grid.shape)} input"
        if padding:
            where += f", even with padding {padding} ({dims(padded)})"
        raise ValueError(
            f"The {dims(weights.shape)} kernel is larger than {where}. Make the kernel smaller or add padding."
        )
    return grid, weights


def _check_pool(x: ArrayLike, size: int, stride: int, mode: str) -> np.ndarray:
    grid = _as_grid(x, "input")
    if mode not in POOL_MODES:
        raise ValueError(f"Pooling mode must be 'max' or 'avg' (got {mode!r}).")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"The pooling window must be at least 1×1 (got size {size!r}).")
    _check_stride(stride)
    if size > min(grid.shape):
        raise ValueError(
            f"The {size}×{size} pooling window is larger than the {dims(grid.shape)} grid it should pool. "
            "Make the pooling window smaller, or give pooling a bigger grid."
        )
    return grid


def _out_shape(grid: tuple[int, int], window: tuple[int, int], stride: int) -> tuple[int, int]:
    return ((grid[0] - window[0]) // stride + 1, (grid[1] - window[1]) // stride + 1)


def _locate(
    index: int, out_shape: tuple[int, int], window: tuple[int, int], stride: int
) -> tuple[int, int, slice, slice]:
    """Output cell and window slices for step ``index``; refuses steps past the end."""
    total = out_shape[0] * out_shape[1]
    if not 0 <= index < total:
        raise ValueError(f"Step {index + 1} does not exist: this walk-through has {total} steps.")
    row, col = divmod(index, out_shape[1])
    rows = slice(row * stride, row * stride + window[0])
    cols = slice(col * stride, col * stride + window[1])
    return row, col, rows, cols


def _conv_window(padded: np.ndarray, weights: np.ndarray, index: int, shape: tuple[int, int], stride: int) -> Step:
    row, col, rows, cols = _locate(index, shape, weights.shape, stride)
    window = _frozen(padded[rows, cols])
    products = _frozen(window * weights)
    return Step(index, row, col, rows, cols, window, weights, products, float(products.sum()), "conv")


def _pool_window(grid: np.ndarray, index: int, shape: tuple[int, int], size: int, stride: int, mode: str) -> Step:
    row, col, rows, cols = _locate(index, shape, (size, size), stride)
    window = _frozen(grid[rows, cols])
    value = float(window.max() if mode == "max" else window.mean())
    return Step(index, row, col, rows, cols, window, None, None, value, mode)


def _frozen(a: np.ndarray) -> np.ndarray:
    """A read-only copy, so a Step really is immutable."""
    a = np.array(a, dtype=float)
    a.setflags(write=False)
    return a
