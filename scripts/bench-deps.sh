#!/usr/bin/env bash
# Installs what `make bench-scan` needs beyond `make setup`: the Debian packages the third scan
# generator (fixtures/scans/officegen.py) uses — LibreOffice Writer without a GUI, and the fonts it
# lays the forms out in — and the Python `bench` extra (fpdf2, python-docx, augraphy) into .venv/.
# apt-get runs only when a package is missing; safe to run again. `make test` does not need any of it.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libreoffice-writer-nogui fonts-paratype fonts-crosextra-carlito fonts-linuxlibertine
          fonts-liberation poppler-utils)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  sudo=""
  [[ "$(id -u)" == 0 ]] || sudo="sudo"
  echo "bench-deps: installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

stamp=.venv/.installed-bench
if [[ ! -f $stamp || pyproject.toml -nt $stamp ]]; then
  .venv/bin/pip install -q -e '.[bench]'
  touch $stamp
fi
