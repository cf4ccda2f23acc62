"""A phone photo made fit for a web page: upright, stripped of everything but pixels, small.

One delivered size of one photo at a time (`PhotoPlan`), so a replaced photo renders exactly
its own files again. The pixels are turned as its EXIF orientation says (the size promised to
the page was read the same way, in `load.media`), converted to sRGB when the photo carries a
colour profile (an iPhone's Display P3), scaled with Lanczos, never enlarged, and encoded anew:
no EXIF, GPS, XMP, ICC profile or comment survives, only the pixels. A JPEG is decoded at the
smallest of 1/2, 1/4 or 1/8 of its size that is still at least as large as wanted (libjpeg's
DCT scaling), which is where most of the time of a 12-megapixel photo goes otherwise.

The result depends only on the source bytes, the size and the settings below (and our code,
whose fingerprint is part of every cache key), so it comes from the build cache whenever the
same photo was made before, and is byte for byte the same in one process or several.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageCms

from campaign.incremental.cache import Cache
from campaign.load import media
from campaign.load.source import refuse_outside

QUALITY = (80, 72, 64, 56, 48, 40)  # JPEG quality: the first whose file fits the budget
BUDGET = 450 * 1024  # bytes per delivered JPEG: well under 600 KB on a phone's data plan
TURNS = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}


@dataclass(frozen=True)
class PhotoPlan:
    """One delivered size of a photo: compared whole between builds, so a new hash renders it again."""

    source: str  # project-relative path of the photo
    sha256: str  # of its bytes
    width: int
    height: int
    format: str  # "jpeg" or "png"


class PhotoTrouble(Exception):
    """The photo cannot be made (truncated, damaged, changed while building): the clerk's sentence."""


def settings() -> str:
    """Everything besides the source bytes and the size that shapes the result."""
    return repr((QUALITY, BUDGET, "lanczos", "srgb", "progressive"))


def cache_key(cache: Cache, plan: PhotoPlan) -> str:
    return cache.key("photo", plan.sha256, repr((plan.width, plan.height, plan.format)), settings())


def cached(cache: Cache, plan: PhotoPlan) -> bytes | None:
    return cache.get("photo", cache_key(cache, plan))


def photo_file(plan: PhotoPlan, root: Path, cache: Cache) -> bytes:
    """The delivered file: from the cache, else made from the source (and put in the cache)."""
    key = cache_key(cache, plan)
    found = cache.get("photo", key)
    if found is not None:
        return found
    data = read_source(root, plan.source, plan.sha256)
    made = make(data, plan.width, plan.height, plan.format, Path(plan.source).name)
    cache.put("photo", key, made)
    return made


def read_source(root: Path, source: str, sha256: str) -> bytes:
    """The bytes of a photo or attachment, exactly those the model was made from."""
    path = root / source
    name = path.name
    try:
        refuse_outside(path, root, name)
        data = path.read_bytes()
    except OSError as exc:
        raise PhotoTrouble(f"无法读取「{name}」（{exc.strerror or exc}）；请确认文件还在，没有被别的程序占用") from None
    except Exception as exc:  # ContentError from refuse_outside
        raise PhotoTrouble(f"「{name}」：{getattr(exc, 'problems', [exc])[0].message}") from None
    if hashlib.sha256(data).hexdigest() != sha256:
        raise PhotoTrouble(f"「{name}」在生成网站的过程中被改动了；请等文件保存完，再重新运行一次")
    return data


def make(data: bytes, width: int, height: int, format: str, name: str = "照片") -> bytes:
    """The photo upright, `width`×`height`, encoded anew as `format` ("jpeg" or "png")."""
    try:
        image = media.open_photo(data, name)
    except media.Unusable as exc:
        raise PhotoTrouble(str(exc)) from None
    try:
        with image:
            turn = media.orientation(image)
            stored = (height, width) if turn in media.SIDEWAYS else (width, height)
            if image.format in ("JPEG", "MPO"):
                image.draft(None, stored)  # decode at 1/2, 1/4 or 1/8 when that is still big enough
            profile = image.info.get("icc_profile")
            image.load()
            pixels = image
            if profile and pixels.mode == "CMYK":  # a printer's photo: its profile knows the inks
                pixels, profile = _srgb(pixels, profile), None
            pixels = _mode(pixels, format)
            if pixels.size != stored:  # scaled first, then turned and coloured: fewer pixels to do it to
                pixels = pixels.resize(stored, Image.Resampling.LANCZOS)
            for step in TURNS.get(turn, ()):
                pixels = pixels.transpose(step)
            pixels = _srgb(pixels, profile)
            if pixels is image:
                pixels = image.copy()
    except (OSError, SyntaxError, ValueError) as exc:
        if "truncated" in str(exc) or "broken data stream" in str(exc):
            raise PhotoTrouble(media.truncated_message(name)) from None
        raise PhotoTrouble(f"照片「{name}」已损坏，无法读取（{exc}）；请从手机或原始位置重新拷贝一次") from None
    pixels.info = {}  # no EXIF, XMP, ICC profile or comment is carried into the new file
    return _encode(pixels, format)


def _srgb(image: Image.Image, profile: bytes | None) -> Image.Image:
    """Colours as a browser without colour management shows them: sRGB, then the profile is dropped."""
    if not profile or image.mode not in ("RGB", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        if image.mode == "RGB" and ImageCms.getProfileDescription(source).strip().startswith("sRGB"):
            return image  # most Android phones: already what the browser assumes
        converted = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
        return converted if converted is not None else image  # None only for a conversion in place
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # a damaged profile: the pixels as they are


def _mode(image: Image.Image, format: str) -> Image.Image:
    if format == "png":
        if image.mode in ("RGB", "RGBA", "L", "LA"):
            return image
        if image.mode == "1" or image.mode.startswith("I"):
            return image.convert("L")
        return image.convert("RGBA" if "transparency" in image.info or image.mode.endswith("A") else "RGB")
    if image.mode in ("RGB", "L"):
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def _encode(image: Image.Image, format: str) -> bytes:
    if format == "png":
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
        return out.getvalue()
    data = b""
    for quality in QUALITY:
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=quality, optimize=True, progressive=True)
        data = out.getvalue()
        if len(data) <= BUDGET:
            break
    return data
