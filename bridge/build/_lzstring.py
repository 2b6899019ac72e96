"""lz-string's ``decompressFromBase64`` in Python, to read the ``d`` parameter of CleverTap requests.

The CleverTap Web SDK compresses each payload with lz-string's ``compressToBase64``
(https://github.com/pieroxy/lz-string). This is a line-by-line port of ``_decompress`` from npm
``lz-string`` 1.5.0 (MIT). JavaScript strings are UTF-16 code units, so the port builds a string of
code units (lone surrogates included) and decodes the pairs at the end.
``tests/browser/test_lzstring.py`` checks it against the npm package run by node.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["decompress_from_base64"]

_BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
_REVERSE = {ch: i for i, ch in enumerate(_BASE64)}


def decompress_from_base64(text: str | None) -> str | None:
    """The string ``LZString.decompressFromBase64(text)`` returns (``None`` where it returns null)."""
    if text is None:
        return ""
    if text == "":
        return None

    def value_at(index: int) -> int:
        # charAt past the end is "", whose lookup is undefined; `undefined & x` is 0.
        return _REVERSE.get(text[index], 0) if index < len(text) else 0

    units = _decompress(len(text), 32, value_at)
    if units is None:
        return None
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def _decompress(length: int, reset_value: int, next_value: Callable[[int], int]) -> str | None:
    val = next_value(0)
    position = reset_value
    index = 1

    def read(bit_count: int) -> int:
        nonlocal val, position, index
        bits = 0
        for power_of_two in range(bit_count):
            resb = val & position
            position >>= 1
            if position == 0:
                position = reset_value
                val = next_value(index)
                index += 1
            if resb > 0:
                bits |= 1 << power_of_two
        return bits

    dictionary: list[str] = ["", "", ""]  # codes 0-2 are commands, never looked up
    enlarge_in = 4
    num_bits = 3

    first = read(2)
    if first == 0:
        c = chr(read(8))
    elif first == 1:
        c = chr(read(16))
    else:
        return ""
    dictionary.append(c)
    w = c
    result = [c]
    while True:
        if index > length:
            return ""
        code = read(num_bits)
        if code in (0, 1):
            dictionary.append(chr(read(8 if code == 0 else 16)))
            code = len(dictionary) - 1
            enlarge_in -= 1
        elif code == 2:
            return "".join(result)
        if enlarge_in == 0:
            enlarge_in = 1 << num_bits
            num_bits += 1
        if code < len(dictionary) and code > 2:
            entry = dictionary[code]
        elif code == len(dictionary):
            entry = w + w[0]
        else:
            return None
        result.append(entry)
        dictionary.append(w + entry[0])
        enlarge_in -= 1
        w = entry
        if enlarge_in == 0:
            enlarge_in = 1 << num_bits
            num_bits += 1
