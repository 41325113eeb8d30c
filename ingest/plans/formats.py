"""What kind of document a file is, judged by its bytes, and the size limits of reading.

The name's suffix is not trusted: a PDF starts with ``%PDF-``, a DOCX is a zip
holding ``word/document.xml``, an OLE container (``D0 CF 11 E0``) is either a
legacy .doc or an encrypted Office file, HTML opens with a tag, and text is
anything else without NUL bytes. A zip is measured before it is opened: the
total uncompressed size and the compression ratio of its members are bounded
(a zip bomb is refused, never inflated).
"""

from __future__ import annotations

import io
import re
import zipfile

from ingest.plans.errors import PlanReadingError

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_ZIP_RATIO = 100
MAX_ZIP_MEMBERS = 5000
FORMATS = ("txt", "html", "docx", "pdf")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HTML_START = re.compile(
    rb"^\s*(<!doctype html|<html|<head|<body|<meta|<\?xml[^>]{0,200}>\s*<html)", re.IGNORECASE)


def sniff(data: bytes) -> str:
    """The format of ``data`` (one of FORMATS); PlanReadingError when it is none of them."""
    if len(data) > MAX_FILE_BYTES:
        raise PlanReadingError("too_large",
                               f"文件过大：{len(data)} 字节，上限 {MAX_FILE_BYTES} 字节")
    if not data.strip():
        raise PlanReadingError("empty", "文件为空")
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(_OLE):
        raise PlanReadingError("encrypted", "文件已加密或为旧版 Word（.doc）格式，无法读取；"
                                            "请解除密码并另存为 .docx 或 PDF")
    if data.startswith(b"PK\x03\x04"):
        check_zip(data)
        return "docx"
    if _HTML_START.match(data[:2048]):
        return "html"
    if b"\x00" in data[:65536] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise PlanReadingError("unknown_format",
                               "无法识别的文件格式：仅支持 DOCX、PDF、HTML 与 TXT")
    return "txt"


def check_zip(data: bytes) -> None:
    """Refuse a zip that is not a DOCX, is encrypted, or would inflate beyond the limits."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise PlanReadingError("damaged", f"压缩包已损坏，无法读取：{exc}") from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise PlanReadingError("zip_bomb", f"压缩包成员过多：{len(members)} 个")
    total = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members)
    if total > MAX_UNZIPPED_BYTES or total > MAX_ZIP_RATIO * max(packed, 1) + 1_000_000:
        raise PlanReadingError("zip_bomb", f"疑似压缩炸弹：解压后 {total} 字节，"
                                           f"压缩后 {packed} 字节，拒绝读取")
    if any(m.flag_bits & 0x1 for m in members):
        raise PlanReadingError("encrypted", "压缩包已加密，无法读取")
    if "word/document.xml" not in {m.filename for m in members}:
        raise PlanReadingError("unknown_format", "压缩包不是 Word 文档（缺少 word/document.xml）；"
                                                 "仅支持 DOCX、PDF、HTML 与 TXT")
