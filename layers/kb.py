"""Reading the plan knowledge base (``data/kb/``): one CSV reader for every file."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from layers.base import LayerError

KB_DIR = "kb"
KNOWLEDGE_FILES = ("kb/*.csv", "plans/*.txt", "plans/plans.json")


def kb_path(data_dir: Path, name: str) -> Path:
    """The path of knowledge-base file ``name`` under ``data_dir``."""
    return Path(data_dir) / KB_DIR / name


def read_csv(path: Path, columns: Iterable[str]) -> pd.DataFrame:
    """A knowledge-base CSV as text columns (empty cells are ""), checked for ``columns``.

    Raises LayerError naming the file when it is missing or lacks a column.
    """
    path = Path(path)
    if not path.is_file():
        raise LayerError(f"knowledge-base file missing: {path}")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise LayerError(f"{path.name}: missing columns {missing}")
    return frame


def knowledge_base_version(data_dir: Path) -> dict:
    """The plan knowledge base as loaded: file count and a digest of their bytes."""
    digest = hashlib.sha256()
    files = sorted(p for pattern in KNOWLEDGE_FILES for p in Path(data_dir).glob(pattern))
    for path in files:
        digest.update(path.relative_to(data_dir).as_posix().encode())
        digest.update(path.read_bytes())
    return {"files": len(files), "sha256": digest.hexdigest()[:16]}
