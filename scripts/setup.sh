#!/usr/bin/env bash
# Installs what the bot needs on Debian 12 / Astra Linux: the Debian packages listed
# in scripts/debian-packages.txt (with sudo when not root) and the Python package
# with its test extras into .venv/ at the project root. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
while read -r line; do
  pkg=${line%%#*}          # drop comments
  pkg=${pkg//[[:space:]]/}
  [[ -z "$pkg" ]] && continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done < scripts/debian-packages.txt

if ((${#missing[@]})); then
  sudo=""
  [[ "$(id -u)" == 0 ]] || sudo="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

stamp=.venv/.installed
if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
fi
if [[ ! -f $stamp || pyproject.toml -nt $stamp ]]; then
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e '.[test]'
  touch $stamp
fi
