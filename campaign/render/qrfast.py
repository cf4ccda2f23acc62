"""The same QR module matrix as the `qrcode` package makes, several times faster.

`qrcode` spends ~90% of its time choosing the mask: for each of the 8 masks it rebuilds the
whole matrix module by module (`makeImpl` -> `map_data`) and scores it with `util.lost_point`,
all in pure-Python loops over every module; most of the rest goes to writing bits one by one into
a `BitBuffer` (twice: in `best_fit` and `create_data`) and to its polynomial-object RS division.

qrcode still does what defines the result: data segmentation (`util.optimal_data_chunks`, as
`add_data` calls it), its tables (`BIT_LIMIT_TABLE`, `rs_blocks`, the generator polynomials in
`LUT`, GF(256) log/exp), the function patterns and format/version information (its own `setup_*`
methods on a `QRCode`), the mask functions (`util.mask_func`). Redone here, step for step:

* `best_fit` from segment lengths (it only needs the BitBuffer's length), and `create_data`
  with the bits in one big int and RS by table-driven division; a block of all-zero data
  codewords, on which qrcode's `Polynomial` fails with glog(0), is handed to qrcode to fail the
  same way;
* the data bits are placed once per code, with one C-level `itemgetter` over a per-version
  placement order (computed once, from qrcode's own blank matrix), into a single big int whose
  bit r*n + c is module (r, c);
* each mask is one XOR with a per-version big int of the masked data modules;
* `lost_point` is computed on that big int with shifts, ANDs and `int.bit_count()`, scoring
  exactly what qrcode scores: the matrix of `makeImpl(test=True, mask)`, i.e. with format and
  version information and the always-dark module all *light*.

The penalty rules reproduce `qrcode.util.lost_point` term for term (its early-exit "skips" in
rules 2 and 3 only skip positions that cannot match, so they change nothing), and the mask is the
first one with the lowest penalty, as in `QRCode.best_mask_pattern`.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from functools import cache
from itertools import compress
from operator import itemgetter

import qrcode
from qrcode import LUT, base, util
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q

QUIET_ZONE = 4
LEVELS = {"L": ERROR_CORRECT_L, "M": ERROR_CORRECT_M, "Q": ERROR_CORRECT_Q, "H": ERROR_CORRECT_H}

Matrix = tuple[tuple[bool, ...], ...]
Modules = list[list[bool | None]]  # qrcode's matrix while it is drawn: None for a module not set yet


def _blank(version: int, error_correction: int, mask: int, test: bool) -> Modules:
    """qrcode's own matrix before `map_data`: function patterns set, data modules None."""
    code = qrcode.QRCode(version=version, error_correction=error_correction, border=0)
    n = code.modules_count = version * 4 + 17
    code.modules = [[None] * n for _ in range(n)]
    code.setup_position_probe_pattern(0, 0)
    code.setup_position_probe_pattern(n - 7, 0)
    code.setup_position_probe_pattern(0, n - 7)
    code.setup_position_adjust_pattern()
    code.setup_timing_pattern()
    code.setup_type_info(test, mask)
    if version >= 7:
        code.setup_type_number(test)
    return code.modules


def _placement_order(modules: Modules) -> list[tuple[int, int]]:
    """The (row, col) of each data module in the order `QRCode.map_data` fills them."""
    n = len(modules)
    order = []
    inc = -1
    row = n - 1
    for col in range(n - 1, 0, -2):
        if col <= 6:
            col -= 1
        while True:
            for c in (col, col - 1):
                if modules[row][c] is None:
                    order.append((row, c))
            row += inc
            if row < 0 or n <= row:
                row -= inc
                inc = -inc
                break
    return order


class _Layout:
    """Everything about one version that does not depend on the data."""

    def __init__(self, version: int):
        self.version = version
        n = self.n = version * 4 + 17
        nn = self.nn = n * n
        # test=True: format/version info and the dark module are light, as qrcode scores them.
        blank = _blank(version, ERROR_CORRECT_M, 0, test=True)
        order = self.order = _placement_order(blank)
        count = self.count = len(order)
        # Source index of each module, read most significant bit (module nn-1) first: a data
        # module reads its bit from the data string, a function module one of two constants
        # appended after it ("0" at `count`, "1" at `count` + 1).
        index = [count + 1 if cell else count for row in blank for cell in row]
        for k, (r, c) in enumerate(order):
            index[r * n + c] = k
        index.reverse()
        self.getter = itemgetter(*index)

        full = (1 << nn) - 1
        col0 = sum(1 << (r * n) for r in range(n))  # column 0 of every row

        def cols_upto(last: int) -> int:  # columns 0..last of every row
            return col0 * ((1 << (last + 1)) - 1)

        def rows_upto(last: int) -> int:  # rows 0..last
            return (1 << ((last + 1) * n)) - 1

        self.full = full
        self.col0 = col0
        self.row0 = (1 << n) - 1
        self.h5 = cols_upto(n - 5)  # a horizontal window of 5 starts here
        self.v5 = rows_upto(n - 5)  # a vertical window of 5 starts here
        self.block = cols_upto(n - 2) & rows_upto(n - 2)  # top-left of a 2x2 block
        self.h11 = cols_upto(n - 11) if n >= 11 else 0
        self.v11 = rows_upto(n - 11) if n >= 11 else 0

        # For each mask pattern, the data modules it inverts (qrcode's own mask functions).
        rows = [r for r, _ in order]
        cols = [c for _, c in order]
        masks = []
        for pattern in range(8):
            flipped = compress(order, map(util.mask_func(pattern), rows, cols))
            masks.append(_bitset(n, flipped))
        self.masks = tuple(masks)

    def lost_point(self, m: int) -> int:
        """`qrcode.util.lost_point` of the matrix whose module (r, c) is bit r*n + c of `m`."""
        n = self.n
        n2, n3 = 2 * n, 3 * n

        # Rule 1: each run of L >= 5 same-colour modules costs L - 2, i.e. one point per window
        # of 5 inside it (L - 4) plus 2 for the window that starts the run.
        eh = ~(m ^ (m >> 1))  # module == the one to its right
        ev = ~(m ^ (m >> n))  # module == the one below
        wh = eh & (eh >> 1) & (eh >> 2) & (eh >> 3) & self.h5
        wv = ev & (ev >> n) & (ev >> n2) & (ev >> n3) & self.v5
        starts_h = wh & (~(eh << 1) | self.col0)
        starts_v = wv & (~(ev << n) | self.row0)
        points = wh.bit_count() + wv.bit_count() + 2 * (starts_h.bit_count() + starts_v.bit_count())

        # Rule 2: 3 per 2x2 block of one colour (overlapping blocks all count).
        points += 3 * (ev & (ev >> 1) & eh & self.block).bit_count()

        # Rule 3: 40 per 10111010000 or 00001011101 in a row or column (overlaps count).
        if self.h11:
            d, l = m, ~m & self.full  # noqa: E741 - dark and light, as in the standard's rule
            common = (l >> 1) & (d >> 4) & (l >> 5) & (d >> 6) & (l >> 9)
            one = d & (d >> 2) & (d >> 3) & (l >> 7) & (l >> 8) & (l >> 10)
            two = l & (l >> 2) & (l >> 3) & (d >> 7) & (d >> 8) & (d >> 10)
            found = (common & (one | two) & self.h11).bit_count()
            common = (l >> n) & (d >> 4 * n) & (l >> 5 * n) & (d >> 6 * n) & (l >> 9 * n)
            one = d & (d >> n2) & (d >> n3) & (l >> 7 * n) & (l >> 8 * n) & (l >> 10 * n)
            two = l & (l >> n2) & (l >> n3) & (d >> 7 * n) & (d >> 8 * n) & (d >> 10 * n)
            found += (common & (one | two) & self.v11).bit_count()
            points += 40 * found

        # Rule 4: 10 per full 5% the dark share departs from 50% (same float arithmetic).
        percent = float(m.bit_count()) / (n**2)
        points += int(abs(percent * 100 - 50) / 5) * 10
        return points


@cache
def _layout(version: int) -> _Layout:
    return _Layout(version)


def _bitset(n: int, positions: Iterable[tuple[int, int]]) -> int:
    """The int with bit r*n + c set for each (r, c) in `positions` (built as text: linear)."""
    nn = n * n
    text = bytearray(b"0" * nn)
    for r, c in positions:
        text[nn - 1 - (r * n + c)] = 49  # "1"
    return int(text, 2)


def _dark_bits(modules: Modules) -> int:
    n = len(modules)
    return _bitset(n, ((r, c) for r in range(n) for c in range(n) if modules[r][c]))


@cache
def _final_info(version: int, error_correction: int, mask: int) -> int:
    """Dark modules of the format and version information and the dark module, as a bitset.

    qrcode's test matrix has these modules light and the final one sets them with
    `setup_type_info(False, mask)` / `setup_type_number(False)`; nothing else differs.
    """
    final = _blank(version, error_correction, mask, test=False)
    test = _blank(version, error_correction, mask, test=True)
    return _dark_bits(final) ^ _dark_bits(test)


def _data_bits(chunk: util.QRData) -> int:
    """How many bits `QRData.write` puts for `chunk`."""
    n = len(chunk.data)
    if chunk.mode == util.MODE_NUMBER:
        return 10 * (n // 3) + (0, 4, 7)[n % 3]
    if chunk.mode == util.MODE_ALPHA_NUM:
        return 11 * (n // 2) + 6 * (n % 2)
    return 8 * n


def _best_fit(chunks: list[util.QRData], error_correction: int, start: int | None = None) -> int:
    """`QRCode.best_fit` without writing a BitBuffer (only its length matters there)."""
    if start is None:
        start = 1
    util.check_version(start)
    mode_sizes = util.mode_sizes_for_version(start)
    needed_bits = sum(4 + mode_sizes[chunk.mode] + _data_bits(chunk) for chunk in chunks)
    version = bisect_left(util.BIT_LIMIT_TABLE[error_correction], needed_bits, start)
    # qrcode assigns this to its `version` property, whose setter checks it first: too much
    # data is a ValueError there (its DataOverflowError branch after it is never reached).
    util.check_version(version)
    if mode_sizes is not util.mode_sizes_for_version(version):
        return _best_fit(chunks, error_correction, start=version)
    return version


_ALPHA_INDEX = {char: index for index, char in enumerate(util.ALPHA_NUM)}


def _data_buffer(version: int, chunks: list[util.QRData]) -> tuple[int, int]:
    """The bits `create_data` puts in its BitBuffer, as (big int, bit count)."""
    acc = 0
    length = 0
    for chunk in chunks:
        data = chunk.data
        count_bits = util.length_in_bits(chunk.mode, version)
        acc = (acc << 4 | chunk.mode) << count_bits | (len(data) & ((1 << count_bits) - 1))
        length += 4 + count_bits
        if chunk.mode == util.MODE_NUMBER:
            for i in range(0, len(data), 3):
                chars = data[i : i + 3]
                bits = util.NUMBER_LENGTH[len(chars)]
                acc = acc << bits | (int(chars) & ((1 << bits) - 1))
                length += bits
        elif chunk.mode == util.MODE_ALPHA_NUM:
            index = _ALPHA_INDEX
            for i in range(0, len(data) - 1, 2):
                acc = acc << 11 | (index[data[i]] * 45 + index[data[i + 1]])
            if len(data) % 2:
                acc = acc << 6 | index[data[-1]]
            length += 11 * (len(data) // 2) + 6 * (len(data) % 2)
        else:
            acc = acc << (8 * len(data)) | int.from_bytes(data, "big")
            length += 8 * len(data)
    return acc, length


@cache
def _rs_table(ec_count: int) -> tuple[int, ...]:
    """For each feedback byte f, f times qrcode's generator polynomial (without its leading 1)
    as an `ec_count`-byte big-endian int: one step of the RS division register."""
    if ec_count in LUT.rsPoly_LUT:
        generator = list(LUT.rsPoly_LUT[ec_count])
    else:  # pragma: no cover - every count in use is in the LUT; built as qrcode builds it
        poly = base.Polynomial([1], 0)
        for i in range(ec_count):
            poly = poly * base.Polynomial([1, base.gexp(i)], 0)
        generator = list(poly)
    assert len(generator) == ec_count + 1 and generator[0] == 1
    logs = [base.LOG_TABLE[g] if g else None for g in generator[1:]]
    exp = base.EXP_TABLE
    table = [0]
    for f in range(1, 256):
        lf = base.LOG_TABLE[f]
        table.append(int.from_bytes(bytes(0 if lg is None else exp[(lf + lg) % 255] for lg in logs), "big"))
    return tuple(table)


def _ec_bytes(block: bytes, ec_count: int) -> bytes:
    """The remainder of block(x) * x^ec_count by the generator, as qrcode computes it."""
    table = _rs_table(ec_count)
    top = 8 * (ec_count - 1)
    keep = (1 << top) - 1
    reg = 0
    for byte in block:
        reg = ((reg & keep) << 8) ^ table[byte ^ (reg >> top)]
    return reg.to_bytes(ec_count, "big")


def _codewords(data: str, error_correction: int) -> tuple[int, bytes]:
    """Version and codewords exactly as `QRCode.make(fit=True)` chooses and computes them."""
    chunks = list(util.optimal_data_chunks(data.encode("utf-8"), minimum=20))  # add_data
    version = _best_fit(chunks, error_correction)  # the `version` property, then make(fit=True)
    version = _best_fit(chunks, error_correction, start=version)

    # util.create_data
    acc, length = _data_buffer(version, chunks)
    rs_blocks = base.rs_blocks(version, error_correction)
    bit_limit = sum(block.data_count * 8 for block in rs_blocks)
    if length > bit_limit:
        return version, bytes(util.create_data(version, error_correction, chunks))  # raises
    # Terminate with up to four 0s, fill the byte with 0s, then alternate 0xEC 0x11.
    terminator = min(bit_limit - length, 4)
    shift = terminator + (-(length + terminator) % 8)
    length += shift
    filled = (acc << shift).to_bytes(length // 8, "big")
    filled += (b"\xec\x11" * bit_limit)[: (bit_limit - length) // 8]

    # util.create_bytes: RS blocks, data codewords interleaved, then EC codewords interleaved.
    data_blocks = []
    ec_blocks = []
    offset = 0
    for block in rs_blocks:
        current = filled[offset : offset + block.data_count]
        offset += block.data_count
        if not any(current):
            # qrcode's Polynomial division fails on an all-zero block (glog(0)): let it.
            return version, bytes(util.create_data(version, error_correction, chunks))
        data_blocks.append(current)
        ec_blocks.append(_ec_bytes(current, block.total_count - block.data_count))
    out = bytearray()
    for blocks in (data_blocks, ec_blocks):
        for i in range(max(map(len, blocks))):
            for one in blocks:
                if i < len(one):
                    out.append(one[i])
    return version, bytes(out)


def best_mask(layout: _Layout, unmasked: int) -> int:
    """The first mask with the lowest penalty, as `QRCode.best_mask_pattern` picks it."""
    best = 0
    best_points = 0
    for pattern, bits in enumerate(layout.masks):
        points = layout.lost_point(unmasked ^ bits)
        if pattern == 0 or best_points > points:
            best_points = points
            best = pattern
    return best


def encode(data: str, level: str) -> Matrix:
    """Module matrix of `data` including a 4-module quiet zone; True is a dark module.

    Identical to `qrcode.QRCode(error_correction=level, border=4)` + `add_data(data.encode())`
    + `make(fit=True)` + `get_matrix()`.
    """
    error_correction = LEVELS[level]
    version, codewords = _codewords(data, error_correction)
    layout = _layout(version)
    count = layout.count
    bits = format(int.from_bytes(codewords, "big"), f"0{len(codewords) * 8}b")[:count]
    source = bits.ljust(count, "0") + "01"
    unmasked = int("".join(layout.getter(source)), 2)
    mask = best_mask(layout, unmasked)
    final = unmasked ^ layout.masks[mask] | _final_info(version, error_correction, mask)

    n = layout.n
    text = format(final, f"0{layout.nn}b")[::-1]
    is_dark = "1".__eq__
    side = (False,) * QUIET_ZONE
    quiet = ((False,) * (n + 2 * QUIET_ZONE),) * QUIET_ZONE
    body = tuple(side + tuple(map(is_dark, text[r * n : (r + 1) * n])) + side for r in range(n))
    return quiet + body + quiet
