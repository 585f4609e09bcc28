"""Decode email bytes to text when the declared charset is missing, unknown or wrong.

Russian mail still arrives in koi8-r, windows-1251, cp866 and mac-cyrillic, often labelled
``iso-8859-1``, ``us-ascii`` or nothing at all, or labelled ``utf-8`` when it is not. A declared
charset is trusted when it decodes cleanly, except the labels that mailers are known to get
wrong (``_SUSPECT``): for those, every candidate decoding is scored for plausibility (letters
of one script per word, case patterns, Russian letter frequencies, no control characters or
mojibake symbols) and the best one wins if it is clearly better than the declared one.

Pure Python, standard library only.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import math
import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Decoded", "decode_bytes", "decode_header_value", "normalize_charset", "plausibility"]

_ALIASES = {
    "cp-1251": "cp1251",
    "win-1251": "cp1251",
    "win1251": "cp1251",
    "windows1251": "cp1251",
    "x-cp1251": "cp1251",
    "x-win-1251": "cp1251",
    "cyrillic": "iso8859-5",
    "koi8": "koi8-r",
    "koi8r": "koi8-r",
    "x-koi8-r": "koi8-r",
    "koi": "koi8-r",
    "x-mac-cyrillic": "mac-cyrillic",
    "maccyrillic": "mac-cyrillic",
    "x-mac-ukrainian": "mac-cyrillic",
    "ibm-866": "cp866",
    "dos-866": "cp866",
    "cp-866": "cp866",
    "x-cp866": "cp866",
    "utf": "utf-8",
    "x-utf-8": "utf-8",
    "utf-8-sig": "utf-8-sig",
    "unicode-1-1-utf-8": "utf-8",
    "windows-874": "cp874",
    "cp-1252": "cp1252",
    "win-1252": "cp1252",
    "ks_c_5601-1987": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "iso-8859-8-i": "iso8859-8",
    "x-sjis": "shift_jis",
    "ansi_x3.4-1968": "ascii",
    "us": "ascii",
    "ascii": "ascii",
    "us-ascii": "ascii",
    "latin-1": "latin-1",
}
# Codecs Python knows that no email body may select (not text encodings, or not charsets).
_REFUSED = {"undefined", "unicode_escape", "raw_unicode_escape", "idna", "punycode", "mbcs", "oem"}
# Labels mailers are known to put on text in another charset; for these we look for a better fit.
_SUSPECT = {
    "ascii",
    "iso8859-2",
    "iso8859-15",
    "cp1252",
    "cp1251",
    "koi8-r",
    "koi8-u",
    "cp866",
    "mac-cyrillic",
    "iso8859-5",
}
_CYRILLIC = {"cp1251", "koi8-r", "koi8-u", "cp866", "mac-cyrillic", "iso8859-5"}
# Tried in this order; ties go to the earlier one.
_CANDIDATES = ("utf-8", "cp1251", "koi8-r", "cp866", "mac-cyrillic", "iso8859-5", "cp1252")
_SAMPLE_BYTES = 32_768

# Relative frequency (%) of Russian letters in running text.
_FREQUENCY = dict(
    zip(
        "оеаинтсрвлкмдпуяыьгзбчйхжшюцщэфъё",
        (10.97, 8.45, 8.01, 7.35, 6.70, 6.26, 5.47, 4.73, 4.54, 4.40, 3.49, 3.21, 2.98, 2.81, 2.62, 2.01)
        + (1.90, 1.74, 1.70, 1.65, 1.59, 1.44, 1.21, 0.97, 0.94, 0.73, 0.64, 0.48, 0.36, 0.32, 0.26)
        + (0.04, 0.04),
        strict=True,
    )
)
_LETTER_SCORE = {letter: 1 + 0.5 * math.log(freq / 2) for letter, freq in _FREQUENCY.items()}
_ONE_LETTER_WORDS = set("авиксуояжб")
_FOREIGN_CYRILLIC_SCORE = -1.0  # і ї є ґ ў ђ љ…: what cp1251 shows for bytes of another charset
# Punctuation that real Russian and Western text carries above ASCII.
_COMMON_SYMBOLS = set("«»—–…№“”„‘’•°€\u00a0©®™·§")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_WORD = re.compile(r"[^\W\d_]+")
_MOJIBAKE_UTF8 = re.compile(
    "[ÐÑ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]"
)


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    charset: str  # the codec actually used
    defect: str | None  # why the declared charset was not used as is, if it was not


def normalize_charset(name: str | None) -> str | None:
    """The Python codec for a charset label, or None when the label is missing or unknown."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower().split("*", 1)[0]
    label = _ALIASES.get(label, label)
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError):
        return None
    if info.name in _REFUSED or not getattr(info, "_is_text_encoding", True):
        return None
    if info.name == "iso8859-1":
        return "cp1252"  # as browsers do: the C1 range of "latin-1" mail is windows-1252 punctuation
    return info.name


def _is_cyrillic(char: str) -> bool:
    return "\u0400" <= char <= "\u04ff"


def _is_latin(char: str) -> bool:
    return char.isascii() or "\u00c0" <= char <= "\u024f"


def _word_score(word: str) -> float:
    cyrillic = sum(1 for char in word if _is_cyrillic(char))
    latin = sum(1 for char in word if _is_latin(char))
    if cyrillic and latin or cyrillic + latin < len(word):
        return -2.0 * len(word)
    case_ok = word.islower() or word.isupper() or word.istitle()
    if not case_ok:
        return -2.0 * len(word)
    if cyrillic and len(word) == 1:
        return 0.5 if word.lower() in _ONE_LETTER_WORDS else -2.0
    if cyrillic:
        score = sum(_LETTER_SCORE.get(char, _FOREIGN_CYRILLIC_SCORE) for char in word.lower())
        return score * 0.8 if word.isupper() and len(word) > 1 else score
    accented = sum(1 for char in word if not char.isascii())
    if accented * 2 <= len(word):
        return float(accented)
    return -2.0 * accented


def plausibility(text: str) -> float:
    """How much a decoding looks like real (Russian or Western) text; only non-ASCII counts,
    since every candidate charset decodes ASCII the same way."""
    score = 0.0
    for match in _WORD.finditer(text):
        word = match.group()
        if not word.isascii():
            score += _word_score(word)
    for char in _NON_ASCII.findall(text):
        if char in _COMMON_SYMBOLS or char.isalpha():
            continue
        if char == "\ufffd" or unicodedata.category(char).startswith("C"):
            score -= 5
        elif char.isdigit():
            score -= 0.5
        else:
            score -= 2
    return score


def _sample(data: bytes) -> bytes:
    """Lines with non-ASCII bytes, up to a limit: enough to judge, cheap on big bodies."""
    if len(data) <= _SAMPLE_BYTES:
        return data
    picked: list[bytes] = []
    size = 0
    for line in data.split(b"\n"):
        if not line.isascii():
            picked.append(line)
            size += len(line)
            if size >= _SAMPLE_BYTES:
                break
    return b"\n".join(picked)


def _try(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _repair_double_utf8(text: str) -> str | None:
    """«Ð¿Ñ€Ð¸Ð²ÐµÑ‚»: UTF-8 read as cp1252 and encoded to UTF-8 again."""
    if not _MOJIBAKE_UTF8.search(text):
        return None
    for codec in ("cp1252", "latin-1"):
        try:
            repaired = text.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if plausibility(repaired) > plausibility(text):
            return repaired
    return None


def decode_bytes(data: bytes, declared: str | None) -> Decoded:
    """Decode a body or header; never raises. `declared` is the charset label from the email."""
    codec = normalize_charset(declared)
    if data.isascii():
        return Decoded(data.decode("ascii"), codec or "ascii", None)
    label = f"declared charset {declared[:40]!r}" if declared else "no charset declared"
    if codec is None or codec in ("utf-8", "utf-8-sig") or codec not in _SUSPECT:
        text = _try(data, codec or "utf-8")
        if text is not None:
            repaired = _repair_double_utf8(text) if codec in (None, "utf-8", "utf-8-sig") else None
            if repaired is not None:
                return Decoded(repaired, "utf-8", "double-encoded utf-8 repaired")
            unknown = (
                f"unknown charset {declared[:40]!r}, text decoded as utf-8"
                if declared and not codec
                else None
            )
            return Decoded(text, codec or "utf-8", unknown)
    best = _best_candidate(data, codec)
    if best == codec:
        return Decoded(
            data.decode(best, errors="replace"), best, None if codec in _SUSPECT else f"invalid {codec} text"
        )
    return Decoded(data.decode(best, errors="replace"), best, f"{label}, text decoded as {best}")


def _best_candidate(data: bytes, declared: str | None) -> str:
    """The candidate whose decoding is most plausible; the declared charset keeps its place
    unless another one beats it clearly."""
    sample = _sample(data)
    scores: dict[str, float] = {}
    for codec in (declared, *_CANDIDATES):
        if codec is not None and codec not in scores:
            scores[codec] = plausibility(sample.decode(codec, errors="replace"))
            if codec == "utf-8" and (strict := _try(sample, codec)) is not None:
                # Valid multi-byte UTF-8 almost never happens by chance in another charset.
                scores[codec] += sum(1 for char in strict if not char.isascii())
    best = max(scores, key=lambda name: scores[name])  # first maximum: declared, then _CANDIDATES order
    if declared is None:
        return best
    high_bytes = sum(1 for byte in sample if byte > 0x7F)
    # A Cyrillic label is seldom wrong; a Western one on Russian text often is.
    margin = max(4.0, 0.25 * high_bytes) if declared in _CYRILLIC else max(2.0, 0.1 * high_bytes)
    return best if scores[best] > scores[declared] + margin else declared


# --- headers (RFC 2047 encoded words, raw 8-bit) -----------------------------------------------

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_FOLD = re.compile(r"\r?\n[ \t]*")
_SPACES_BETWEEN = re.compile(r"^[ \t\r\n]*$")
_HEX_PAIR = re.compile(r"[0-9A-Fa-f]{2}")


def _decode_word(encoding: str, text: str) -> bytes:
    if encoding in "bB":
        raw = text.encode("ascii", "replace")
        raw = raw.rstrip(b"=")
        raw += b"=" * (-len(raw) % 4)
        try:
            return base64.b64decode(raw)
        except (binascii.Error, ValueError):
            return b""
    out = bytearray()
    i = 0
    source = text.replace("_", " ")
    while i < len(source):
        char = source[i]
        if char == "=" and _HEX_PAIR.fullmatch(source[i + 1 : i + 3]):
            out.append(int(source[i + 1 : i + 3], 16))
            i += 3
            continue
        out.extend(char.encode("utf-8", "surrogateescape") if ord(char) < 0xDC80 else b"?")
        i += 1
    return bytes(out)


def _decode_plain(raw: str) -> str:
    """Header text outside encoded words: raw 8-bit bytes arrive as surrogate escapes."""
    try:
        data = raw.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return raw.encode("utf-8", "replace").decode("utf-8")
    if data.isascii():
        return raw
    return decode_bytes(data, None).text


def decode_header_value(raw: str) -> str:
    """Unfold a header value and decode its encoded words (adjacent words sharing a charset are
    joined before decoding, so a character split across two words survives)."""
    value = _FOLD.sub(" ", raw)
    pieces: list[str] = []
    position = 0
    pending: list[bytes] = []
    pending_charset: str | None = None

    def flush() -> None:
        nonlocal pending_charset
        if pending:
            pieces.append(decode_bytes(b"".join(pending), pending_charset).text)
            pending.clear()
        pending_charset = None

    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        if not (pending and _SPACES_BETWEEN.match(between)):
            flush()
            pieces.append(_decode_plain(between))
        charset = match.group(1).split("*", 1)[0]
        if pending and charset.lower() != (pending_charset or "").lower():
            flush()
        pending_charset = charset
        pending.append(_decode_word(match.group(2), match.group(3)))
        position = match.end()
    flush()
    pieces.append(_decode_plain(value[position:]))
    text = "".join(pieces)
    return "".join(char if char.isprintable() or char == " " else " " for char in text).strip()
