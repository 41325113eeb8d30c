"""Service settings: declared once, typed, validated; env overrides in create_app."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

from limits import parse_many

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Settings:
    """Every setting of the service, with its default.

    Environment variables ``INNOMAP_<NAME>`` (upper case) override a default;
    a config mapping passed to ``create_app`` overrides both.
    """

    data_dir: Path = ROOT / "data"
    testing: bool = False
    # Interactive maps: tile basemap under the boundaries. "none" (default: the
    # boundaries are the basemap, nothing is loaded from outside), "osm",
    # "tianditu" (needs tianditu_key; CGCS2000 ≈ WGS84) or "amap" (高德, GCJ-02:
    # every overlay is then shifted to GCJ-02 so nothing is offset).
    map_basemap: str = "none"
    tianditu_key: str = ""
    # Imported data: the store is a SQLite/GeoPackage file path (or
    # sqlite:///path) or a postgresql:// URL. Writes need one of admin_tokens
    # ("name:token,name2:token2", tokens >= 16 characters); reading is public
    # unless public_read is off. secret_key signs login cookies (derived from
    # the tokens when empty). Uploads are limited in bytes and rows.
    store_url: str = str(ROOT / "instance" / "innomap.gpkg")
    admin_tokens: str = ""
    public_read: bool = True
    secret_key: str = ""
    import_max_bytes: int = 10 * 1024 * 1024
    import_max_rows: int = 50_000
    # Carrier lists imported from the command line or the large-file upload (a job in
    # the background, /admin/jobs/<id>) are checked and written in chunks of
    # stream_chunk_rows (ingest.stream), memory bounded by a chunk: their own, larger
    # limits. The upload is spooled to disk in upload_dir until its job ends.
    stream_max_bytes: int = 100 * 1024 * 1024
    stream_max_rows: int = 500_000
    stream_max_cells: int = 5_000_000
    stream_chunk_rows: int = 20_000
    upload_dir: Path = ROOT / "instance" / "uploads"
    # Previews (validated uploads waiting for confirmation) kept per user: the
    # oldest is dropped when a user stages one more.
    import_max_previews: int = 5
    # Sign-in: a session lasts session_lifetime_minutes (signing out ends every
    # session of that user at once). secure_cookies marks the cookie Secure (set it
    # when the service is reached over HTTPS). trusted_proxies is the number of
    # reverse proxies in front whose X-Forwarded-For / -Proto are believed (0: none).
    session_lifetime_minutes: int = 480
    secure_cookies: bool = False
    trusted_proxies: int = 0
    # Corridor membership: half-width in metres of the buffer around a corridor's
    # centre line (measured in UTM); carriers within it are the corridor's members.
    corridor_buffer_m: float = 2000.0
    # Static exports (web/export_work.py): renders running at once on this host (across
    # all workers), seconds a request waits for one before a 503 with Retry-After, and
    # the folder of finished files shared by the workers.
    export_slots: int = 2
    export_wait_s: float = 20.0
    export_cache_dir: Path = ROOT / "instance" / "exports"
    # Heavy anonymous requests per client (web/limits.py): on (what `make serve` sets) or
    # off (a bare app: tests, benchmarks, `make dev`); and each kind's rate.
    rate_limits: str = "off"
    rate_limit_reports: str = "10 per minute"
    rate_limit_maps: str = "30 per minute"
    rate_limit_pages: str = "60 per minute"
    rate_limit_items: str = "20 per minute"
    # Report builds (web/builds.py): seconds a request waits for the same report being
    # built by another request before a 503 with Retry-After, and the folder of finished
    # reports shared by the workers of a host.
    build_wait_s: float = 60.0
    documents_dir: Path = ROOT / "instance" / "documents"

    def __post_init__(self):
        if not Path(self.data_dir).is_dir():
            raise ValueError(f"data_dir {self.data_dir} is not a directory")
        if self.map_basemap not in ("none", "osm", "tianditu", "amap"):
            raise ValueError(f"map_basemap must be none, osm, tianditu or amap, "
                             f"got {self.map_basemap!r}")
        if self.map_basemap == "tianditu" and not self.tianditu_key:
            raise ValueError("map_basemap 'tianditu' needs tianditu_key")
        if not 1 <= int(self.session_lifetime_minutes) <= 60 * 24 * 31:
            raise ValueError(f"session_lifetime_minutes must be in 1..44640, "
                             f"got {self.session_lifetime_minutes!r}")
        if not 0 <= int(self.trusted_proxies) <= 5 or not 1 <= int(self.import_max_previews) <= 100:
            raise ValueError("trusted_proxies must be in 0..5 and import_max_previews in 1..100")
        if not 0 < float(self.corridor_buffer_m) <= 50_000:
            raise ValueError(f"corridor_buffer_m must be in (0, 50000] metres, "
                             f"got {self.corridor_buffer_m!r}")
        if not 1 <= int(self.export_slots) <= 64 or not 0 <= float(self.export_wait_s) <= 600:
            raise ValueError("export_slots must be 1–64 and export_wait_s 0–600 seconds")
        object.__setattr__(self, "data_dir", Path(self.data_dir))
        if not 1 <= int(self.stream_chunk_rows) <= 1_000_000:
            raise ValueError(f"stream_chunk_rows must be in 1..1000000, "
                             f"got {self.stream_chunk_rows!r}")
        object.__setattr__(self, "export_cache_dir", Path(self.export_cache_dir))
        self._check_rate_limits()
        object.__setattr__(self, "upload_dir", Path(self.upload_dir))
        object.__setattr__(self, "documents_dir", Path(self.documents_dir))

    def _check_rate_limits(self) -> None:
        if self.rate_limits not in ("on", "off"):
            raise ValueError(f"rate_limits must be on or off, got {self.rate_limits!r}")
        for name in ("reports", "maps", "pages", "items"):
            value = getattr(self, f"rate_limit_{name}")
            try:
                parse_many(value)
            except ValueError:
                raise ValueError(f"rate_limit_{name} must read like '10 per minute', "
                                 f"got {value!r}") from None
        if not 0 <= float(self.build_wait_s) <= 600:
            raise ValueError(f"build_wait_s must be 0–600 seconds, got {self.build_wait_s!r}")


def _parse(kind, raw: str):
    if kind in (bool, "bool"):
        if raw.lower() not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
            raise ValueError(f"expected a boolean, got {raw!r}")
        return raw.lower() in ("1", "true", "yes", "on")
    if kind in (int, "int"):
        return int(raw)
    if kind in (float, "float"):
        return float(raw)
    if kind in (Path, "Path"):
        return Path(raw)
    return raw


def from_environment(environ=None, overrides: dict | None = None) -> Settings:
    """Build Settings from defaults, ``INNOMAP_*`` variables, then ``overrides``.

    Raises
    ------
    ValueError
        Naming the setting and the value when one does not parse or is unknown.
    """
    environ = os.environ if environ is None else environ
    values = {}
    known = {f.name: f for f in fields(Settings)}
    for name, spec in known.items():
        raw = environ.get(f"INNOMAP_{name.upper()}")
        if raw is not None:
            try:
                values[name] = _parse(spec.type, raw)
            except ValueError as exc:
                raise ValueError(f"INNOMAP_{name.upper()}: {exc}") from None
    for name, value in (overrides or {}).items():
        if name not in known:
            raise ValueError(f"unknown setting {name!r}")
        values[name] = value
    return replace(Settings(), **values) if values else Settings()
