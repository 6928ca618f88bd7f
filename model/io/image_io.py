"""Reading images of handwriting (PNG, JPG, ...) with clear errors and a size bound."""
from __future__ import annotations

import warnings
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from .errors import InputError

MAX_IMAGE_BYTES = 100 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000  # beyond this a picture is not handwriting: refused, not decoded


def load_image(path: str | Path, color: bool = False) -> np.ndarray:
    """Grayscale (or BGR with `color`) uint8 pixels; InputError names the file and the problem.

    The header is read first, so a small file that declares a gigantic image
    (a decompression bomb) is refused before any pixel is decoded.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror or e})") from None
    if size > MAX_IMAGE_BYTES:
        raise InputError(f"{path}: file larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                w, h = im.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(f"{path}: image too large (declared dimensions exceed the limit)") from None
    except Exception:
        raise InputError(f"{path}: not a readable image (corrupt or unsupported format)") from None
    if w * h > MAX_IMAGE_PIXELS:
        raise InputError(f"{path}: image too large ({w}x{h} pixels; at most "
                         f"{MAX_IMAGE_PIXELS // 1_000_000} megapixels)")
    data = np.fromfile(path, dtype=np.uint8)  # imread cannot open non-ASCII paths on Windows
    img = cv2.imdecode(data, cv2.IMREAD_COLOR if color else cv2.IMREAD_GRAYSCALE) if data.size else None
    if img is None:
        raise InputError(f"{path}: not a readable image (corrupt or unsupported format)")
    return img
