#!/usr/bin/env bash
# Installs everything needed to build, run, test and benchmark nginx-lua-ffi on
# Debian 12. Idempotent: packages already present are not touched, and apt is not
# called at all when nothing is missing.
set -euo pipefail

packages=(
  # build
  build-essential g++ cmake pkg-config
  nginx-core nginx-dev libluajit2-5.1-dev luajit2
  libpcre2-dev libssl-dev zlib1g-dev libgtest-dev
  # make fuzz: clang 14 and its libFuzzer (Debian ships it in libclang-rt-14-dev)
  clang libclang-rt-14-dev
  # test harness and the servers / modules tests use beside ours
  perl libtest-base-perl libtext-diff-perl python3 curl
  redis-server memcached
  # the DNS server tests resolve names with (the binary alone, no system service)
  dnsmasq-base
  libnginx-mod-http-echo libnginx-mod-http-headers-more-filter libnginx-mod-http-ndk
  # cosocket client libraries that tests run unmodified
  lua-nginx-redis lua-nginx-memcached lua-nginx-redis-connector lua-nginx-websocket lua-nginx-dns
  # benchmarks: wrk, valgrind (instruction counts) and the peer stack (never loaded
  # by our tests)
  wrk valgrind libnginx-mod-http-lua lua-resty-core
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run as root (or sudo)." >&2
  exit 1
fi

# Package installs must not start system services (nginx on :80, redis, memcached):
# tests start their own instances on loopback ports.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod +x "$policy"
  own_policy=1
fi
trap '[ $own_policy -eq 1 ] && rm -f "$policy"' EXIT

export DEBIAN_FRONTEND=noninteractive
# The package lists of a fresh machine may be missing or stale: refresh them first.
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
