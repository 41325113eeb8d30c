#!/usr/bin/env bash
# Debian packages the test suite drives for real (browser, fonts for screenshots,
# PostgreSQL + PostGIS for the store tests, which start a throwaway cluster; GDAL and
# QGIS (system python3) for the GIS-client tests of the feature API; nginx for the live
# tests of `make serve`'s front).
# Installs only what is missing; needs root (or sudo) and the Debian registry.
set -euo pipefail
PACKAGES=(chromium chromium-driver fonts-noto-cjk poppler-utils postgresql postgresql-postgis wrk nginx
          gdal-bin python3-qgis qgis-providers libreoffice-writer-nogui)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]})) || exit 0
SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"
echo "installing Debian packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
