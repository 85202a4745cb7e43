"""A minimal PNG writer (zlib + struct, standard library only) and the probe's bar chart.

The chart: one horizontal bar for the measured scale-out and one for the planner's prediction, each split into
detection (blue: load start -> scaling activity start) and startup (orange: activity start -> healthy); a black
whisker on the prediction spans its interval; light grey lines mark every minute. The numbers are in the JSON report.
"""

from __future__ import annotations

import struct
import zlib

WIDTH, HEIGHT, MARGIN = 720, 160, 20
DETECTION, STARTUP = (70, 120, 200), (240, 150, 50)
GRID, INK, PAPER = (215, 215, 215), (20, 20, 20), (255, 255, 255)


def write_png(path: str, pixels: list[bytearray], width: int) -> None:
    """Write 8-bit RGB rows (each ``3 * width`` bytes) as a PNG file."""
    raw = b"".join(b"\x00" + bytes(row) for row in pixels)  # filter type 0 on every scanline

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, len(pixels), 8, 2, 0, 0, 0)
    with open(path, "wb") as handle:
        handle.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9))
                     + chunk(b"IEND", b""))  # fmt: skip


def chart(path: str, *, measured: tuple[float, float] | None, predicted: tuple[float, float],
          interval: tuple[float, float]) -> None:  # fmt: skip
    """``measured`` and ``predicted`` are (detection, startup) seconds; ``interval`` the predicted total's range."""
    totals = [sum(predicted), interval[1]] + ([sum(measured)] if measured else [])
    scale = (WIDTH - 2 * MARGIN) / (max(totals) * 1.05 or 1.0)
    pixels = [bytearray(PAPER * WIDTH) for _ in range(HEIGHT)]

    def fill(x0: float, x1: float, y0: int, y1: int, colour: tuple[int, int, int]) -> None:
        left = min(MARGIN + int(x0 * scale), WIDTH - 1)
        right = min(MARGIN + max(int(x1 * scale), int(x0 * scale) + 1), WIDTH)
        for y in range(y0, y1):
            pixels[y][3 * left : 3 * right] = bytes(colour) * (right - left)

    minute = 60.0
    while minute * scale < WIDTH - 2 * MARGIN:
        fill(minute, minute, MARGIN // 2, HEIGHT - MARGIN // 2, GRID)
        minute += 60.0
    for row, bar in ((0, measured), (1, predicted)):
        if bar is None:
            continue
        top = MARGIN + row * 65
        fill(0, bar[0], top, top + 45, DETECTION)
        fill(bar[0], bar[0] + bar[1], top, top + 45, STARTUP)
    top = MARGIN + 65 + 22
    fill(interval[0], interval[1], top - 1, top + 2, INK)
    fill(interval[0], interval[0], top - 10, top + 11, INK)
    fill(interval[1], interval[1], top - 10, top + 11, INK)
    write_png(path, pixels, WIDTH)
