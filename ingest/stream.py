"""Large carrier lists and metric tables (CSV) checked and written in chunks, all or nothing.

``stream_import`` reads a CSV file row by row (the csv module over an incremental
decoder: the file is never one Python string, nor one ``bytes``), checks each
chunk of ``chunk_rows`` rows with the same rules as
:func:`ingest.imports.prepare_import` (``CarriersCheck`` or ``MetricsCheck`` by
``options.kind``, with absolute sheet rows; a chunk's region-matching report is
not kept) and hands the store's ``add_import_stream`` one chunk at a time, inside
one transaction. A first pass over the file in blocks gives its size, line count
(the progress total) and SHA-256. Problems are collected over the whole file — the
first ``MAX_PROBLEMS`` row by row, and how many there were — and any problem (or a
key repeated across chunks, found by the store in SQL) rolls the transaction back:
the store is unchanged. Memory is bounded by a chunk, not by the file: 500,000 rows
go through in well under 500 MB.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
from collections.abc import Callable
from dataclasses import dataclass

from ingest.base import MAX_PROBLEMS, ImportRejected
from ingest.carriers import CarriersCheck
from ingest.metrics import MetricsCheck
from ingest.tabular import (
    EXCEL_MAX_COLUMNS,
    Problem,
    RowCollector,
    TableRejected,
    TooLarge,
    _frame,
    decode_text,
)
from store.base import KEYS, DuplicateKeys

CHUNK_ROWS = 20_000
#: Per kind: its check, and what rows repeating a key are the same thing.
CHECKS = {"carriers": (CarriersCheck, "同一载体（名称、类型、县区）"),
          "metrics": (MetricsCheck, "同一地区、指标与年份的数值")}
_PROBE_BYTES = 64 * 1024
_BLOCK_BYTES = 1024 * 1024


class StreamRejected(ImportRejected):
    """ImportRejected with ``total``: how many problems the whole file has."""

    def __init__(self, problems: list[Problem], total: int, kind: str = "carriers"):
        super().__init__(problems, kind=kind)
        self.total = total


@dataclass(frozen=True)
class FileFacts:
    """What one pass over a file in blocks tells: bytes, data rows (lines after the
    header: an estimate when a quoted cell holds a line break) and SHA-256."""

    size: int
    rows: int
    sha256: str


def file_facts(source, max_bytes: int | None = None) -> FileFacts:
    """Size, line count and SHA-256 of ``source`` (path, binary file or bytes), read in
    1 MB blocks; stops counting past ``max_bytes`` (the size then says by how much)."""
    with _opened(source) as file:
        digest, size, lines, last = hashlib.sha256(), 0, 0, b"\n"
        while block := file.read(_BLOCK_BYTES):
            digest.update(block)
            size, lines, last = size + len(block), lines + block.count(b"\n"), block[-1:]
            if max_bytes is not None and size > max_bytes:
                break
    lines += last != b"\n"  # a last line without a line break
    return FileFacts(size=size, rows=max(lines - 1, 1), sha256=digest.hexdigest())


def stream_import(source, filename: str, options, ctx, store, *, user: str,
                  note: str = "", chunk_rows: int = CHUNK_ROWS,
                  progress: Callable[[int, int], None] | None = None,
                  writing: Callable[[], None] | None = None):
    """Check a CSV of ``options.kind`` in chunks and store it as one version; the Version.

    ``source`` is a path, a seekable binary file (read from its start) or bytes.
    ``progress(rows_checked, rows_total)`` is called after each chunk, ``writing()``
    once every row is checked and the store finishes the version (repeated keys,
    the current-carriers table, the commit).

    Raises StreamRejected (first problems, total count; nothing written) when any
    row is wrong, TableRejected-based ImportRejected when the file itself is unusable.
    """
    kind = options.kind
    if kind not in CHECKS:
        raise ValueError(f"no streaming import of {kind!r}")
    facts = file_facts(source, ctx.limits.max_bytes)
    if facts.size > ctx.limits.max_bytes:
        raise ImportRejected([Problem(None, None, f"超过 {ctx.limits.max_bytes:,} 字节",
                                      f"文件过大：超过上限 {ctx.limits.max_bytes:,} 字节")],
                             kind=kind, too_large=True)
    state = _State(total_rows=facts.rows)
    if progress is not None:
        progress(0, state.total_rows)
    with _opened(source) as file:
        rows = _rows(file, _encoding(file, kind))
        chunks = _checked_chunks(rows, filename, options, ctx, chunk_rows, state, progress)
        try:
            return store.add_import_stream(kind, _then(chunks, writing), user=user,
                                           filename=filename, sha256=facts.sha256, note=note,
                                           total=state.total_rows)
        except _Failed:
            raise StreamRejected(state.problems, state.count, kind) from None
        except DuplicateKeys as exc:
            same, n = CHECKS[kind][1], len(KEYS[kind])  # (key..., count, rows, sources)
            problems = [Problem(None, None, " / ".join(str(v) for v in row[:n] if v != ""),
                                f"重复：{row[n + 3]}与{row[n + 4]}等 {row[n]} 行是{same}")
                        for row in exc.rows]
            raise StreamRejected(problems, len(problems), kind) from None
        finally:
            chunks.close()
            rows.close()


def _then(chunks, writing):
    """``chunks``, then ``writing()`` once they are all through (none failed)."""
    yield from chunks
    if writing is not None:
        writing()


@contextlib.contextmanager
def _opened(source):
    """A binary file at its start: ``source`` opened (a path), wrapped (bytes) or rewound."""
    if isinstance(source, bytes | bytearray | memoryview):
        yield io.BytesIO(source)
    elif isinstance(source, str | os.PathLike):
        with open(source, "rb") as file:
            yield file
    else:
        source.seek(0)
        yield source


class _Failed(Exception):
    """Raised into the store's transaction to roll it back."""


class _State:
    def __init__(self, total_rows: int):
        self.total_rows = total_rows
        self.problems: list[Problem] = []
        self.count = 0

    def add(self, problems, count: int | None = None) -> None:
        """Keep the first of ``problems`` while there is room; count ``count`` of them
        (default: all; more when the check listed only its first ones)."""
        self.count += len(problems) if count is None else max(count, len(problems))
        room = MAX_PROBLEMS - len(self.problems)
        self.problems += list(problems)[:max(room, 0)]


def _encoding(file, kind: str = "carriers") -> str:
    """UTF-8 (BOM optional) or GB18030, decided on the first bytes and confirmed while
    reading (a later undecodable byte rejects the file); ``file`` is left at its start."""
    head = file.read(_PROBE_BYTES + 1)
    file.seek(0)
    whole = len(head) <= _PROBE_BYTES
    head = head[:_PROBE_BYTES]
    cut = head.rfind(b"\n")
    try:
        _, name = decode_text(head if whole or cut <= 0 else head[:cut + 1])
    except TableRejected as exc:
        raise ImportRejected(exc.problems, kind=kind) from None
    return "utf-8-sig" if name.startswith("utf-8") else name


def _rows(file, encoding: str):
    """Rows of cells of a binary CSV file; ``file`` stays open (the reader is detached)."""
    text = io.TextIOWrapper(file, encoding=encoding, newline="")
    try:
        first = text.readline()
        delimiter = max((",", "\t", ";"), key=first.count)
        yield from csv.reader(_prefixed(first, text), delimiter=delimiter)
    finally:
        with contextlib.suppress(ValueError):  # the file was closed under us
            text.detach()


def _prefixed(first, lines):
    yield first
    for line in lines:
        if line.count(",") >= EXCEL_MAX_COLUMNS:
            raise TableRejected([Problem(None, None, "", "一行的分隔符多于电子表格的最大列数")])
        yield line


def _checked_chunks(rows, filename, options, ctx, chunk_rows, state, progress):
    """DataFrames of store rows, one per chunk; raises _Failed at the end if anything
    was wrong (every chunk is still checked, so the count covers the whole file)."""
    header, body, first_row, seen = None, [], 2, 0
    try:
        for cells in rows:
            if header is None:
                header = [str(c).strip() for c in cells]
                continue
            body.append(cells)
            if len(body) == chunk_rows:
                rows = _check(header, body, first_row, filename, options, ctx, state)
                seen += len(body)
                first_row, body = first_row + len(body), []
                _limit(seen, ctx.limits)
                if progress is not None:
                    progress(seen, state.total_rows)
                if any(p.row in (None, 1) for p in state.problems):
                    raise _Failed()  # the header or the file itself: no use reading on
                if rows is not None and not state.count:
                    yield rows
    except (UnicodeDecodeError, csv.Error, TableRejected) as exc:
        problems = exc.problems if isinstance(exc, TableRejected) else [
            Problem(first_row + len(body), None, "", f"无法读取：{type(exc).__name__}（文件编码"
                                                     f"或 CSV 格式有误）")]
        if isinstance(exc, TooLarge) or not problems:
            problems = problems or [Problem(None, None, "", "文件无法读取")]
        state.add(problems)
        raise _Failed() from None
    if body or header is None:
        rows = _check(header or [], body, first_row, filename, options, ctx, state)
        if progress is not None:
            progress(seen + len(body), state.total_rows)
        if rows is not None and not state.count:
            yield rows
    if state.count:
        raise _Failed()


def _check(header, body, first_row, filename, options, ctx, state):
    """Store rows of one chunk, or None with its problems added to ``state``."""
    collector = RowCollector(ctx.limits.__class__(max_rows=len(body) + 2,
                                                  max_columns=ctx.limits.max_columns,
                                                  max_cells=10 ** 9,
                                                  max_cell_chars=ctx.limits.max_cell_chars))
    collector.add(header)
    for cells in body:
        collector.add(cells)
    try:
        frame = _frame(collector.finish(), ctx.limits)
    except TableRejected as exc:
        state.add([_shifted(p, first_row) for p in exc.problems])
        return None
    check = CHECKS[options.kind][0](frame, filename, options, ctx)
    check.first_row = first_row
    try:
        rows, _ = check.run()
    except ImportRejected as exc:
        state.add(exc.problems, check.problem_count)
        return None
    return rows


def _shifted(problem: Problem, first_row: int) -> Problem:
    """A problem of a chunk read on its own (rows from 2) at its row in the file."""
    if problem.row is None or problem.row < 2:
        return problem
    return Problem(problem.row + first_row - 2, problem.column, problem.value, problem.message)


def _limit(rows: int, limits) -> None:
    if rows > limits.max_rows:
        raise TooLarge([Problem(None, None, f"{rows:,} 行", f"行数超过上限 {limits.max_rows:,}")])
