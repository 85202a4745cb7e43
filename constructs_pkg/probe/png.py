"""A minimal PNG writer (zlib + struct, standard library only) and the probe's bar chart.

The chart: one horizontal bar for the measured scale-out ("measured") and one for the planner's prediction
("predicted"), each split into detection (blue: load start -> scaling activity start) and startup (orange: activity
start -> healthy); a black whisker on the prediction spans its interval; light grey lines mark every minute, labelled
in seconds. Labels use a 3x5 pixel font drawn at twice its size. The exact numbers are in the JSON report.
"""

from __future__ import annotations

import struct
import zlib

WIDTH, HEIGHT, MARGIN, LABELS = 720, 170, 20, 70
#: 3x5 glyphs, rows top to bottom, "#" is ink: only the characters the chart writes.
FONT = {
    "0": ("###", "#.#", "#.#", "#.#", "###"), "1": (".#.", "##.", ".#.", ".#.", "###"),
    "2": ("##.", "..#", ".#.", "#..", "###"), "3": ("##.", "..#", ".#.", "..#", "##."),
    "4": ("#.#", "#.#", "###", "..#", "..#"), "5": ("###", "#..", "##.", "..#", "##."),
    "6": (".##", "#..", "###", "#.#", "###"), "7": ("###", "..#", ".#.", ".#.", ".#."),
    "8": ("###", "#.#", "###", "#.#", "###"), "9": ("###", "#.#", "###", "..#", "##."),
    "a": ("...", ".##", "#.#", "#.#", ".##"), "c": ("...", ".##", "#..", "#..", ".##"),
    "d": ("..#", ".##", "#.#", "#.#", ".##"), "e": ("...", "##.", "###", "#..", ".##"),
    "i": (".#.", "...", ".#.", ".#.", ".#."), "m": ("...", "##.", "###", "#.#", "#.#"),
    "p": ("...", "##.", "#.#", "##.", "#.."), "r": ("...", "#.#", "##.", "#..", "#.."),
    "s": ("...", ".##", ".#.", "..#", "##."), "t": (".#.", "###", ".#.", ".#.", ".##"),
    "u": ("...", "#.#", "#.#", "#.#", ".##"), " ": ("...",) * 5,
}  # fmt: skip
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
    scale = (WIDTH - LABELS - 2 * MARGIN) / (max(totals) * 1.05 or 1.0)
    pixels = [bytearray(PAPER * WIDTH) for _ in range(HEIGHT)]

    def fill(x0: float, x1: float, y0: int, y1: int, colour: tuple[int, int, int]) -> None:
        origin = LABELS + MARGIN
        left = min(origin + int(x0 * scale), WIDTH - 1)
        right = min(origin + max(int(x1 * scale), int(x0 * scale) + 1), WIDTH)
        for y in range(y0, y1):
            pixels[y][3 * left : 3 * right] = bytes(colour) * (right - left)

    def write(text: str, x: int, y: int) -> None:
        for glyph in text:
            for row, bits in enumerate(FONT[glyph]):
                for column, bit in enumerate(bits):
                    if bit == "#":
                        for dy in (0, 1):
                            start = 3 * (x + 2 * column)
                            pixels[y + 2 * row + dy][start : start + 6] = bytes(INK) * 2
            x += 8

    minute = 60.0
    while minute * scale < WIDTH - LABELS - 2 * MARGIN:
        fill(minute, minute, MARGIN // 2, HEIGHT - 22, GRID)
        label = f"{minute:.0f}"
        write(label, LABELS + MARGIN + int(minute * scale) - 4 * len(label), HEIGHT - 16)
        minute += 60.0
    for row, (name, bar) in enumerate((("measured", measured), ("predicted", predicted))):
        top = MARGIN + row * 65
        write(name, 4, top + 18)
        if bar is None:
            continue
        fill(0, bar[0], top, top + 45, DETECTION)
        fill(bar[0], bar[0] + bar[1], top, top + 45, STARTUP)
    top = MARGIN + 65 + 22
    fill(interval[0], interval[1], top - 1, top + 2, INK)
    fill(interval[0], interval[0], top - 10, top + 11, INK)
    fill(interval[1], interval[1], top - 10, top + 11, INK)
    write_png(path, pixels, WIDTH)
