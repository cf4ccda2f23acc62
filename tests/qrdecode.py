"""Reading QR codes the way a phone does: from pixels, with a real decoder (zxing-cpp)."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image


def decode_png(data: bytes) -> list[str]:
    image = Image.open(io.BytesIO(data)).convert("L")
    return [code.text for code in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]
