"""The text a PDF made by fpdf2 shows, read back through each font's ToUnicode map, for tests.

Handles what fpdf2 writes: numbered objects, Flate-compressed streams, fonts named in a page's
resources (`/F1 5 0 R`), embedded fonts whose strings are 2-byte glyph codes mapped to Unicode by a
ToUnicode CMap (`bfchar` and `bfrange` entries), core fonts whose strings are Latin-1, and text
shown with `Tj` or `TJ`. Each text object (BT … ET) becomes one line.
"""

from __future__ import annotations

import re
import zlib

_OBJECT = re.compile(rb"(\d+) 0 obj(.*?)endobj", re.DOTALL)
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.DOTALL)
_FONT_REF = re.compile(rb"/(F\d+) (\d+) 0 R")
_TOKEN = re.compile(rb"\((?:\\.|[^\\)])*\)|\[|\]|/[^\s/\[\]()<>]+|[^\s/\[\]()<>]+", re.DOTALL)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _objects(data: bytes) -> dict[int, tuple[bytes, bytes]]:
    """Object number -> (dictionary part, stream inflated or b"")."""
    found = {}
    for number, body in _OBJECT.findall(data):
        stream = b""
        if match := _STREAM.search(body):
            stream = match.group(1)
            if b"/FlateDecode" in body[: match.start()]:
                stream = zlib.decompress(stream)
        found[int(number)] = (body[: match.start()] if match else body, stream)
    return found


def _cmap(stream: bytes) -> dict[bytes, str]:
    mapping: dict[bytes, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.DOTALL):
        for code, uni in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[bytes.fromhex(code.decode())] = bytes.fromhex(uni.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", stream, re.DOTALL):
        for low, high, uni in re.findall(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            first, last, start = int(low, 16), int(high, 16), int(uni, 16)
            for offset in range(last - first + 1):
                mapping[(first + offset).to_bytes(len(low) // 2, "big")] = chr(start + offset)
    return mapping


def _literal(token: bytes) -> bytes:
    """The bytes of a PDF literal string `(…)`, escapes undone."""
    body, out, i = token[1:-1], bytearray(), 0
    while i < len(body):
        char = body[i : i + 1]
        if char == b"\\":
            nxt = body[i + 1 : i + 2]
            if nxt.isdigit():
                digits = re.match(rb"[0-7]{1,3}", body[i + 1 :]).group(0)
                out += bytes([int(digits, 8)])
                i += 1 + len(digits)
                continue
            out += _ESCAPES.get(nxt, nxt)
            i += 2
            continue
        out += char
        i += 1
    return bytes(out)


def pdf_text(data: bytes) -> str:
    """Every line of text drawn in the PDF `data`, in drawing order, one text object a line."""
    objects = _objects(data)
    fonts: dict[bytes, dict[bytes, str] | None] = {}
    for body, _stream in objects.values():
        for name, number in _FONT_REF.findall(body):
            font_body = objects.get(int(number), (b"", b""))[0]
            unicode_ref = re.search(rb"/ToUnicode (\d+) 0 R", font_body)
            fonts[name] = _cmap(objects[int(unicode_ref.group(1))][1]) if unicode_ref else None
    lines: list[str] = []
    for body, stream in objects.values():
        if not stream or b"BT" not in stream or b"/Length1" in body:
            continue
        current: dict[bytes, str] | None = None
        line: list[str] = []
        operands: list[bytes] = []
        for token in _TOKEN.findall(stream):
            if token == b"Tf" and operands:
                current = fonts.get(operands[-2].lstrip(b"/")) if len(operands) >= 2 else None
            elif token in (b"Tj", b"TJ"):
                for operand in operands:
                    if operand.startswith(b"("):
                        raw = _literal(operand)
                        if current is None:
                            line.append(raw.decode("latin-1"))
                        else:
                            pairs = (raw[i : i + 2] for i in range(0, len(raw), 2))
                            line.append("".join(current.get(pair, "") for pair in pairs))
            elif token == b"ET":
                lines.append("".join(line))
                line = []
            if token in (b"Tf", b"Tj", b"TJ", b"ET", b"BT", b"Td", b"TD", b"Tm", b"T*"):
                operands = []
            elif token not in (b"[", b"]"):
                operands.append(token)
    return "\n".join(line for line in lines if line)
