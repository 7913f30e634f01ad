#!/usr/bin/env bash
# Installs what `make bench-scan` needs beyond `make setup`: the Debian packages the third scan
# generator (fixtures/scans/officegen.py) uses — LibreOffice Writer without a GUI, and the fonts it
# lays the forms out in — and the Python `bench` extra (fpdf2, python-docx, augraphy) into .venv/.
# apt-get runs only when a package is missing; safe to run again. `make test` does not need any of it.
set -euo pipefail
cd "$(dirname "$0")/.."

# libgl1, libglib2.0-0: augraphy requires opencv-python (not the headless build the bot uses), whose
# cv2 may shadow the headless one and loads these
packages=(libreoffice-writer-nogui fonts-paratype fonts-crosextra-carlito fonts-linuxlibertine
          fonts-liberation poppler-utils libgl1 libglib2.0-0)
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
  if ! .venv/bin/python -c "import cv2" 2>/dev/null; then  # put the headless cv2 back on top
    .venv/bin/pip install -q --force-reinstall --no-deps "opencv-python-headless==$(.venv/bin/pip show opencv-python-headless | sed -n 's/^Version: //p')"
  fi
  touch $stamp
fi
