"""A smaller ICU data library for the bundle: Qt's libicudata.so (32 MB) with only what Enlace can use.

Qt links ICU for collation (the file dialogs sort names with QCollator), time zone names and a few
conversions; the data library holds every locale's data, conversion tables, dictionaries for Thai
or Chinese word breaks, transliterators. This keeps the locale data of our languages only (``es*``,
``en*``, ``root``) in every tree, every table that is not per locale, and none of the conversion
tables, word-break dictionaries or transliterators.

The library is an ELF shared object holding one symbol, ``icudt<NN>_dat``: ICU's "common data"
package (a header, a sorted table of contents, then the items). It is rewritten here in Python (no
compiler needed): the package shrinks, what followed it (the dynamic section, symbol tables) moves
down by whole pages, and the headers that point there are adjusted. A library laid out otherwise is
left alone (``trim`` returns False).

    python scripts/trim_icu.py SRC DEST     (prints the sizes; used by build.spec)
"""

from __future__ import annotations

import itertools
import re
import struct
import sys
from pathlib import Path

LOCALE = re.compile(r"[a-z]{2,3}(_[A-Za-z0-9]+)*")
NOT_LOCALES = {"res_index", "pool"}
DROPPED_SUFFIXES = (".cnv", ".dict", ".cfu")  # conversion tables, word-break dictionaries, spoof checks
DROPPED_TREES = ("translit",)
PAGE = 0x1000


def kept(name: str, languages: tuple[str, ...]) -> bool:
    """Whether the item ``icudt73l/coll/es_MX.res`` (say) stays."""
    parts = name.split("/")[1:]  # without the package name
    if (parts and parts[0] in DROPPED_TREES) or name.endswith(DROPPED_SUFFIXES):
        return False
    stem = parts[-1].rsplit(".", 1)[0] if parts else ""
    if name.endswith(".res") and LOCALE.fullmatch(stem) and stem not in NOT_LOCALES:
        return stem.split("_")[0] in languages
    return True


def trimmed_package(blob: bytes, languages: tuple[str, ...]) -> bytes:
    """The common data package ``blob`` with only the kept items (same header, same order)."""
    header_size, magic1, magic2 = struct.unpack_from("<HBB", blob, 0)
    fmt = blob[12:16]
    if (magic1, magic2) != (0xDA, 0x27) or fmt != b"CmnD" or blob[8] != 0:  # little-endian "CmnD" only
        raise ValueError("not a little-endian ICU common data package")
    toc = header_size
    (count,) = struct.unpack_from("<I", blob, toc)
    entries = [struct.unpack_from("<II", blob, toc + 4 + 8 * i) for i in range(count)]
    starts = [*sorted(offset for _name, offset in entries), len(blob) - toc]
    following = dict(itertools.pairwise(starts))
    items = []
    for name_offset, data_offset in entries:
        end = blob.index(b"\0", toc + name_offset)
        name = blob[toc + name_offset:end].decode("ascii")
        if kept(name, languages):
            items.append((name, blob[toc + data_offset:toc + following[data_offset]]))

    names = b"".join(name.encode("ascii") + b"\0" for name, _data in items)
    table_size = 4 + 8 * len(items)
    data_start = table_size + len(names)
    data_start += -(toc + data_start) % 16  # every item 16-byte aligned from the package's start
    out_entries, body, name_at, at = [], bytearray(), table_size, data_start
    for name, data in items:
        out_entries.append(struct.pack("<II", name_at, at))
        name_at += len(name) + 1
        padded = data + b"\0" * (-len(data) % 16)
        body += padded
        at += len(padded)
    table = struct.pack("<I", len(items)) + b"".join(out_entries) + names
    table += b"\0" * (data_start - len(table))
    return blob[:toc] + table + bytes(body)


def trim(src: Path, dest: Path, languages: tuple[str, ...] = ("es", "en")) -> bool:
    """Write to ``dest`` the ICU data library ``src`` with a trimmed package; False (and nothing
    written) if ``src`` is not laid out as expected."""
    elf = bytearray(src.read_bytes())
    if elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
        return False
    e_phoff, e_shoff = struct.unpack_from("<QQ", elf, 0x20)
    e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx = struct.unpack_from("<HHHHH", elf, 0x36)
    sections = [list(struct.unpack_from("<IIQQQQIIQQ", elf, e_shoff + i * e_shentsize)) for i in range(e_shnum)]
    strtab = sections[e_shstrndx]

    def section_name(s: list) -> str:
        start = strtab[4] + s[0]
        return elf[start:elf.index(b"\0", start)].decode()

    by_name = {section_name(s): s for s in sections}
    rodata, dynsym = by_name.get(".rodata"), by_name.get(".dynsym")
    if rodata is None or dynsym is None:
        return False
    # the one exported symbol: the package
    symbols = [struct.unpack_from("<IBBHQQ", elf, dynsym[4] + k * 24) for k in range(1, dynsym[5] // 24)]
    data_symbols = [(k, s) for k, s in enumerate(symbols, 1) if s[4] == rodata[3] and s[5] == rodata[5]]
    if len(data_symbols) != 1:
        return False
    old_off, old_size = rodata[4], rodata[5]
    try:
        package = trimmed_package(bytes(elf[old_off:old_off + old_size]), languages)
    except (ValueError, struct.error):
        return False
    tail = old_off + old_size  # everything from here on moves down by whole pages
    shift = -((old_size - len(package)) // PAGE * PAGE)
    if shift == 0:
        return False
    for s in sections:  # nothing but the package may sit between it and the tail
        if s is not rodata and s[1] != 0 and s[4] >= old_off and s[4] < tail:
            return False

    phdrs = [list(struct.unpack_from("<IIQQQQQQ", elf, e_phoff + i * e_phentsize)) for i in range(e_phnum)]
    for p in phdrs:
        if p[2] >= tail:  # segments after the package (the dynamic section)
            p[2] += shift
            p[3] += shift
            p[4] += shift
        elif p[2] <= old_off and p[2] + p[5] >= tail:  # the segment holding the package
            p[5] += len(package) - old_size
            p[6] += len(package) - old_size
    for s in sections:
        if s is rodata:
            s[5] = len(package)
        elif s[4] >= tail and s[1] != 0:
            s[4] += shift
            if s[3]:
                s[3] += shift
    if by_name.get(".eh_frame") is not None and by_name[".eh_frame"][5] == 0:
        eh = by_name[".eh_frame"]
        eh[4], eh[3] = old_off + len(package), rodata[3] + len(package)

    out = bytearray(elf[:old_off]) + package
    out += b"\0" * (tail + shift - len(out))
    if len(out) != tail + shift:
        return False
    out += elf[tail:]
    e_shoff += shift
    struct.pack_into("<QQ", out, 0x20, e_phoff, e_shoff)
    for i, p in enumerate(phdrs):
        struct.pack_into("<IIQQQQQQ", out, e_phoff + i * e_phentsize, *p)
    for i, s in enumerate(sections):
        struct.pack_into("<IIQQQQIIQQ", out, e_shoff + i * e_shentsize, *s)
    index, symbol = data_symbols[0]
    struct.pack_into("<IBBHQQ", out, dynsym[4] + index * 24, *symbol[:5], len(package))
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(bytes(out))
    dest.chmod(src.stat().st_mode & 0o777)
    return True


if __name__ == "__main__":
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    done = trim(source, target)
    after = f"{target.stat().st_size / 1e6:.1f} MB" if done else "unchanged"
    print(f"{source.stat().st_size / 1e6:.1f} MB -> {after}")
