#!/usr/bin/env bash
# deps.sh - install the Debian packages paicha needs, only those missing (run as root).
# Optional, installed when possible (when not, that is said and the rest goes on): Slurm
# (slurm-wlm, munge) for the Slurm test and `jobs/emergency`; chromium and a CJK font
# (fonts-wqy-zenhei) for the test that renders `paicha report`'s page headless; clang for
# `make fuzz`.
set -euo pipefail
case ${1:-} in -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0;; esac
pkgs=(make gcc pkg-config libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools
      libyaml-dev libjson-c-dev zlib1g-dev libisal-dev libcmocka-dev python3 python3-h5py python3-numpy python3-pandas
      python3-yaml python3-openpyxl libxlsxwriter-dev time)
opt=(slurm-wlm munge chromium fonts-wqy-zenhei clang)
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
  echo "deps: all ${#pkgs[@]} packages present (and Slurm, chromium, clang)"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  [ ${#missing[@]} -eq 0 ] && { echo "deps: optional ${omissing[*]} missing and not root: the Slurm test (slurm-wlm, munge) or the report's rendering (chromium) will be skipped"; exit 0; }
  echo "deps: not root: ask an administrator to run: apt-get install -y ${missing[*]} ${omissing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Each optional group on its own: one that cannot be installed does not stop the other.
for group in "slurm-wlm munge:the Slurm test" "chromium fonts-wqy-zenhei:the report's rendering test" \
             "clang:make fuzz (libFuzzer)"; do
  want=($(missing_of ${group%%:*}))
  [ ${#want[@]} -eq 0 ] && continue
  echo "deps: installing ${want[*]} (optional, for ${group#*:})"
  apt-get install -y -qq --no-install-recommends "${want[@]}" \
    || echo "deps: could not install ${want[*]}: ${group#*:} will be skipped" >&2
done
