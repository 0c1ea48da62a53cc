#!/usr/bin/env bash
# deps.sh - install the Debian packages paicha needs, only those missing (run as root).
# Slurm (slurm-wlm, munge) is optional: the Slurm test and `jobs/emergency` need it; when it
# cannot be installed, that is said and the rest goes on.
set -euo pipefail
pkgs=(make gcc pkg-config libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools
      libyaml-dev zlib1g-dev libcmocka-dev python3 python3-h5py python3-numpy python3-pandas
      python3-yaml time)
opt=(slurm-wlm munge)
[ "${PAICHA_EXTRA_PKGS:-}" ] && pkgs+=($PAICHA_EXTRA_PKGS)
missing_of() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
  done
}
missing=($(missing_of "${pkgs[@]}"))
omissing=($(missing_of "${opt[@]}"))
if [ ${#missing[@]} -eq 0 ] && [ ${#omissing[@]} -eq 0 ]; then
  echo "deps: all ${#pkgs[@]} packages present (and Slurm)"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  [ ${#missing[@]} -eq 0 ] && { echo "deps: Slurm (${omissing[*]}) missing and not root: the Slurm test will be skipped"; exit 0; }
  echo "deps: not root: ask an administrator to run: apt-get install -y ${missing[*]} ${omissing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [ ${#omissing[@]} -gt 0 ]; then
  echo "deps: installing ${omissing[*]} (optional: a real Slurm for the tests)"
  apt-get install -y -qq --no-install-recommends "${omissing[@]}" \
    || echo "deps: could not install ${omissing[*]}: the Slurm test will be skipped" >&2
fi
