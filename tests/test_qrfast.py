"""campaign.qrfast must give module for module what the `qrcode` package gives, only faster."""

from __future__ import annotations

import random

import pytest
import qrcode
import zxingcpp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from qrcode import util
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q

from campaign.render import qrfast

REFERENCE_LEVELS = {"L": ERROR_CORRECT_L, "M": ERROR_CORRECT_M, "Q": ERROR_CORRECT_Q, "H": ERROR_CORRECT_H}
LEVELS = "LMQH"


def reference(data: str, level: str) -> tuple[tuple[bool, ...], ...]:
    """What campaign/qr.py computes today, straight from qrcode."""
    code = qrcode.QRCode(error_correction=REFERENCE_LEVELS[level], border=4)
    code.add_data(data.encode("utf-8"))
    code.make(fit=True)
    return tuple(tuple(bool(cell) for cell in row) for row in code.get_matrix())


def outcome(function, data: str, level: str):
    """The result, or the type and message of the exception, so failures compare too."""
    try:
        return function(data, level)
    except Exception as error:
        return (type(error), str(error))


def livestream_url(length: int, seed: int) -> str:
    rnd = random.Random(seed)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
    url = "https://live.example.gov.cn/jnxcz/2024/room/10086?"
    while len(url) < length:
        key = "".join(rnd.choice("abcdefghij") for _ in range(rnd.randint(2, 8)))
        value = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(4, 60)))
        url += f"{key}={value}&"
    return url[:length]


URLS = [
    "https://www.example.gov.cn/jnxcz/2024/news/2024-05-09-huodong-anpai/",
    "https://www.example.gov.cn/jnxcz/2024/",
    "https://www.example.gov.cn/jnxcz/2024/events/低碳日/",
    "https://www.example.gov.cn/jnxcz/2024/schedule/#2024-05-13",
    "https://go.example.gov.cn/jn24",
    "go.example.gov.cn/a",
    "HTTPS://GO.EXAMPLE.GOV.CN/JN24-ABCDEFGHIJKLMNOPQRSTUVWXYZ/0123456789012345678901234",
    "https://www.example.gov.cn/jnxcz/2024/news/?id=123456789012345678901234567890",
    "节能宣传周：绿色低碳，节能先行。全国节能宣传周和全国低碳日活动安排。",
    "",
    "a",
    "0",
    "https://x.gov.cn/" + "%E8%8A%82" * 40,
]
LONG_URLS = [livestream_url(length, seed) for seed, length in enumerate([120, 250, 400, 555, 700, 850, 900])]


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("data", URLS + LONG_URLS[:3])
def test_same_as_qrcode(data, level):
    assert qrfast.encode(data, level) == reference(data, level)


@pytest.mark.parametrize("data", LONG_URLS)
def test_long_livestream_urls_at_m(data):
    assert qrfast.encode(data, "M") == reference(data, "M")


TIES = [  # inputs where two masks share qrcode's lowest penalty: the first one must win
    ("https://www.example.gov.cn/1e3//3ebacda33fce", "L"),
    ("https://www.example.gov.cn/c0fb/30a", "M"),
    ("https://www.example.gov.cn/f2022fddfdb00//30-f2bf03c1a20a-3cb11cbed1b311bdb", "H"),
]


@pytest.mark.parametrize("data, level", TIES)
def test_ties_keep_the_first_mask(data, level):
    code = qrcode.QRCode(error_correction=REFERENCE_LEVELS[level], border=4)
    code.add_data(data.encode("utf-8"))
    code.best_fit(start=code.version)
    penalties = []
    for mask in range(8):
        code.makeImpl(True, mask)
        penalties.append(util.lost_point(code.modules))
    assert penalties.count(min(penalties)) > 1  # still a tie in qrcode's own terms
    assert qrfast.encode(data, level) == reference(data, level)


def _bytes_for_version(version: int, error_correction: int) -> int:
    """The most UTF-8 bytes (one byte-mode segment) that still fit `version`."""
    count_bits = util.length_in_bits(util.MODE_8BIT_BYTE, version)
    return (util.BIT_LIMIT_TABLE[error_correction][version] - 4 - count_bits) // 8


@pytest.mark.parametrize("version", range(1, 41))
def test_every_version(version):
    """Every version's layout (alignment patterns, version information) once, at one level."""
    level = LEVELS[version % 4]
    rnd = random.Random(version)
    size = _bytes_for_version(version, REFERENCE_LEVELS[level])
    data = "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz/.-_?=&") for _ in range(size))
    result = qrfast.encode(data, level)
    assert len(result) == version * 4 + 17 + 8
    assert result == reference(data, level)


@pytest.mark.parametrize(
    "data",
    [
        "0" * 3000,  # qrcode fails (glog(0)) on an all-zero RS block; so must we
        "x" * 3000,  # too long for any version: ValueError from qrcode's version check
    ],
)
def test_same_failures(data):
    expected = outcome(reference, data, "M")
    assert isinstance(expected, tuple) and isinstance(expected[0], type)
    assert outcome(qrfast.encode, data, "M") == expected


def test_codewords_same_as_qrcode():
    rnd = random.Random(7)
    alphabets = [
        "0123456789",
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:",
        "abc/:.-_0123456789ABC中文",
        "0123456789AB",
    ]
    for _ in range(400):
        data = "".join(rnd.choice(rnd.choice(alphabets)) for _ in range(rnd.randint(0, 600)))
        ec = rnd.choice(list(REFERENCE_LEVELS.values()))
        code = qrcode.QRCode(error_correction=ec)
        code.add_data(data.encode("utf-8"))
        code.best_fit(start=code.version)
        try:
            expected = (code.version, bytes(util.create_data(code.version, ec, code.data_list)))
        except ValueError as error:  # the all-zero-block failure
            expected = repr(error)
        try:
            got = qrfast._codewords(data, ec)
        except ValueError as error:
            got = repr(error)
        assert got == expected, (data, ec)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.text(max_size=300), level=st.sampled_from(LEVELS))
def test_property_any_text(data, level):
    assert outcome(qrfast.encode, data, level) == outcome(reference, data, level)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:ab中", max_size=400),
    level=st.sampled_from(LEVELS),
)
def test_property_numeric_and_alphanumeric_segments(data, level):
    """Long digit and upper-case runs become numeric/alphanumeric segments: exercise them."""
    assert outcome(qrfast.encode, data, level) == outcome(reference, data, level)


def _raster(rows, scale: int = 4) -> Image.Image:
    size = len(rows)
    image = Image.new("L", (size, size), 255)
    image.putdata([0 if dark else 255 for row in rows for dark in row])
    return image.resize((size * scale, size * scale), Image.NEAREST)


@pytest.mark.parametrize(
    "data, level",
    [
        ("https://www.example.gov.cn/jnxcz/2024/news/2024-05-09-huodong-anpai/", "M"),
        ("https://go.example.gov.cn/jn24", "H"),
        ("节能宣传周：绿色低碳，节能先行。", "Q"),
        (LONG_URLS[-1], "M"),
        ("HTTPS://GO.EXAMPLE.GOV.CN/0123456789012345678901234567890", "L"),
    ],
)
def test_decodes_with_zxing(data, level):
    rows = qrfast.encode(data, level)
    assert all(isinstance(cell, bool) for row in rows for cell in row)
    assert not any(rows[0]) and not any(rows[3]) and not any(row[3] for row in rows)
    results = zxingcpp.read_barcodes(_raster(rows), formats=zxingcpp.BarcodeFormat.QRCode)
    assert [result.text for result in results] == [data]
    assert results[0].ec_level == level
