#!/usr/bin/env bash
# deps.sh - install the Debian packages paicha needs, only those missing (run as root).
set -euo pipefail
pkgs=(make gcc pkg-config libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools
      libyaml-dev zlib1g-dev libcmocka-dev python3 python3-h5py python3-numpy python3-pandas python3-yaml time)
[ "${PAICHA_EXTRA_PKGS:-}" ] && pkgs+=($PAICHA_EXTRA_PKGS)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#pkgs[@]} packages present"
  exit 0
fi
echo "deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "deps: not root: ask an administrator to run: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
