#!/usr/bin/env bash
# nginx, the front `make serve` runs (scripts/serve.py, deploy/nginx.conf): installed from
# Debian when missing, and only that (the test suite's packages: install_system_packages.sh).
# Debian's package also enables its own site on port 80; innomap does not use it, so a
# service this script just installed is stopped and disabled again.
set -euo pipefail
PATH="$PATH:/usr/sbin:/usr/local/sbin"
command -v nginx >/dev/null 2>&1 && exit 0
SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"
echo "installing the Debian package nginx (the front of make serve)"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nginx >/dev/null
if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
  $SUDO systemctl disable --now nginx >/dev/null 2>&1 || true
fi
