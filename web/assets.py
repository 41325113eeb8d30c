"""Vendor JavaScript, CSS and images served by innomap from installed packages.

Pages never load anything from an outside host: Leaflet and its plugins come
from PyPI ``XStatic-*`` packages that the setup installs, ECharts from npm
(``package-lock.json``, installed into ``node_modules/`` by ``make install``),
served under ``/vendor/<package>/<version>/<file>``. Nothing is copied into the
repository.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask import Blueprint, send_from_directory, url_for

from web.errors import NotFound
from web.settings import ROOT

bp = Blueprint("assets", __name__, url_prefix="/vendor")


@dataclass(frozen=True)
class VendorPackage:
    """An installed XStatic package: the module that knows its files and version."""

    name: str
    module: str

    @property
    def base_dir(self) -> Path:
        return Path(_module(self.module).BASE_DIR)

    @property
    def version(self) -> str:
        return str(_module(self.module).VERSION)


@dataclass(frozen=True)
class NpmPackage:
    """A package ``npm ci`` installed into ``node_modules/``; ``subdir`` is what is served."""

    name: str
    subdir: str = "dist"
    root: Path = ROOT / "node_modules"

    @property
    def base_dir(self) -> Path:
        return self.root / self.name / self.subdir

    @property
    def version(self) -> str:
        return _npm_version(self.root / self.name / "package.json")


@cache
def _npm_version(manifest: Path) -> str:
    if not manifest.is_file():
        raise NotFound(f"前端资源包 {manifest.parent.name} 未安装：请运行 make install（npm ci）")
    return str(json.loads(manifest.read_text(encoding="utf-8"))["version"])


VENDOR = {p.name: p for p in (
    VendorPackage("leaflet", "xstatic.pkg.leaflet"),
    VendorPackage("leaflet.markercluster", "xstatic.pkg.leaflet_markercluster"),
    NpmPackage("echarts"),
    NpmPackage("leaflet.vectorgrid"),
)}


@cache
def _module(name: str):
    return importlib.import_module(name)


# The charts draw bars, lines and points with titles, legends, tooltips and reference
# lines: ECharts' "common" build has all of them at two thirds of the full build's bytes.
ECHARTS_BUILD = "echarts.common.min.js"


def echarts_url() -> str:
    """The URL of the ECharts build every chart page loads."""
    return vendor_url("echarts", ECHARTS_BUILD)


def vendor_url(package: str, filename: str) -> str:
    """The URL of ``filename`` of a vendor package, versioned for long caching."""
    pkg = VENDOR[package]
    return url_for("assets.vendor_file", package=package, version=pkg.version,
                   filename=filename)


@bp.get("/<package>/<version>/<path:filename>")
def vendor_file(package: str, version: str, filename: str):
    pkg = VENDOR.get(package)
    if pkg is None:
        raise NotFound(f"没有名为 {package!r} 的前端资源包")
    if version != pkg.version:
        raise NotFound(f"资源包 {package} 的版本是 {pkg.version}，不是 {version!r}")
    # send_from_directory refuses paths outside the package directory.
    return send_from_directory(pkg.base_dir, filename, max_age=365 * 24 * 3600)
