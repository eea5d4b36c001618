"""Test images: the real photos of Debian's darknet package, and images written byte by byte
(no Pillow): a small valid PNG, a PNG that only declares a huge size, a JPEG cut before its
scan data. Sizes are read from the headers (JPEG SOF, PNG IHDR, WebP, BMP)."""
import struct
import zlib
from pathlib import Path

PHOTOS = Path("/usr/share/darknet/data")


def photo(name: str) -> bytes:
    return (PHOTOS / name).read_bytes()


def kind(data: bytes) -> str | None:
    """The image format from its magic bytes: jpeg, png, webp, bmp, tiff, or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:2] == b"BM":
        return "bmp"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    return None


CONTENT_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp",
                 "bmp": "image/bmp", "tiff": "image/tiff"}

# Start-of-frame markers (baseline, progressive, ...): C0-CF but C4 (DHT), C8 (JPG), CC (DAC).
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_segments(data: bytes):
    """(marker, offset of the marker, segment length) up to and including SOS."""
    i = 2
    while i + 4 <= len(data):
        assert data[i] == 0xFF, f"JPEG marker expected at {i}"
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        yield marker, i, length
        if marker == 0xDA:  # SOS: entropy-coded data follows
            return
        i += 2 + length


def jpeg_size(data: bytes) -> tuple[int, int]:
    for marker, at, _ in _jpeg_segments(data):
        if marker in _SOF:
            height, width = struct.unpack(">HH", data[at + 5:at + 9])
            return width, height
    raise AssertionError("no SOF marker in the JPEG")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[12:16] == b"IHDR", "the first PNG chunk is IHDR"
    return struct.unpack(">II", data[16:24])


def size(data: bytes) -> tuple[int, int]:
    """(width, height) read from the header of a JPEG, PNG, WebP or BMP."""
    k = kind(data)
    if k == "jpeg":
        return jpeg_size(data)
    if k == "png":
        return png_size(data)
    if k == "bmp":
        width, height = struct.unpack("<ii", data[18:26])
        return width, abs(height)
    if k == "webp":
        chunk = data[12:16]
        if chunk == b"VP8X":
            w = int.from_bytes(data[24:27], "little") + 1
            h = int.from_bytes(data[27:30], "little") + 1
            return w, h
        if chunk == b"VP8L":
            bits = int.from_bytes(data[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        if chunk == b"VP8 ":
            w, h = struct.unpack("<HH", data[26:30])
            return w & 0x3FFF, h & 0x3FFF
    raise AssertionError(f"cannot read the size of a {k} image: {data[:16]!r}")


def _chunk(name: bytes, body: bytes) -> bytes:
    return (struct.pack(">I", len(body)) + name + body
            + struct.pack(">I", zlib.crc32(name + body) & 0xFFFFFFFF))


def _ihdr(width: int, height: int) -> bytes:
    return _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))  # 8-bit RGB


def png(width: int, height: int, rgb: tuple[int, int, int] = (200, 120, 40)) -> bytes:
    """A valid PNG of one colour."""
    row = b"\x00" + bytes(rgb) * width  # filter type 0, then the pixels
    return (b"\x89PNG\r\n\x1a\n" + _ihdr(width, height)
            + _chunk(b"IDAT", zlib.compress(row * height)) + _chunk(b"IEND", b""))


def png_bomb(width: int = 50000, height: int = 50000) -> bytes:
    """A small PNG whose IHDR (with a correct CRC) declares width x height: decoding it would
    need width*height*3 bytes. Its data is one row of a deflate stream, as a bomb's start."""
    row = b"\x00" + b"\x00" * (width * 3)
    return (b"\x89PNG\r\n\x1a\n" + _ihdr(width, height)
            + _chunk(b"IDAT", zlib.compress(row, 9)) + _chunk(b"IEND", b""))


def jpeg_without_scan(data: bytes) -> bytes:
    """The JPEG cut where its scan (SOS) starts: every header, the size included, but no
    pixels, so no decoder can make an image of it."""
    for marker, at, _ in _jpeg_segments(data):
        if marker == 0xDA:
            return data[:at]
    raise AssertionError("no SOS marker in the JPEG")


def bmp(width: int, height: int, bgr: tuple[int, int, int] = (40, 120, 200)) -> bytes:
    """A valid 24-bit BMP of one colour (rows bottom-up, padded to 4 bytes)."""
    row = bytes(bgr) * width
    row += b"\0" * (-len(row) % 4)
    pixels = row * height
    header = struct.pack("<2sIHHI", b"BM", 14 + 40 + len(pixels), 0, 0, 14 + 40)
    dib = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    return header + dib + pixels
