"""Plain text in UTF-8 (with or without BOM), UTF-16 with BOM, or GBK/GB18030."""

from __future__ import annotations

import statistics

from ingest.plans.errors import PlanReadingError
from layers.plans import reading_text

_SENTENCE_END = tuple("。；：！？”）")
_WRAPPED_MEDIAN = 45  # hard-wrapped texts have short lines; typed paragraphs are long


def decode(data: bytes) -> str:
    """The text of ``data``: UTF-8 first, GB18030 (a superset of GBK) next."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise PlanReadingError("undecodable", "文本编码无法识别：仅支持 UTF-8 与 GBK/GB18030")


def is_hard_wrapped(text: str) -> bool:
    """True when lines were cut at a fixed width (a text copied from a PDF).

    Most lines of ten or more characters are short and go on without a sentence end.
    """
    lines = [line.strip() for line in text.splitlines() if len(line.strip()) >= 10]
    if len(lines) < 20:
        return False
    open_lines = sum(1 for line in lines if not line.endswith(_SENTENCE_END))
    return statistics.median(len(line) for line in lines) < _WRAPPED_MEDIAN \
        and open_lines > 0.5 * len(lines)


def read_txt(data: bytes) -> tuple[str, bool]:
    """(reading text, whether hard wraps were joined) of a plain-text plan."""
    text = decode(data).replace("\r\n", "\n").replace("\r", "\n")
    unwrap = is_hard_wrapped(text)
    return reading_text(text, unwrap), unwrap
