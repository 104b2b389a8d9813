#!/usr/bin/env bash
# Prepares a configured copy of Debian's nginx source tree (from nginx-dev) in $1, so
# that the module compiles with exactly the ./configure options of /usr/sbin/nginx.
set -euo pipefail
dest=$1
src=/usr/share/nginx/src
[ -f "$dest/objs/ngx_auto_config.h" ] && exit 0
[ -f "$src/conf_flags" ] || { echo "configure-nginx: $src missing; install nginx-dev (scripts/install-deps.sh)" >&2; exit 1; }
rm -rf "$dest"
mkdir -p "$dest"
cp -a "$src"/. "$dest"/
cd "$dest"
# shellcheck disable=SC1091
. ./conf_flags
./configure "${NGX_CONF_FLAGS[@]}" > configure.log 2>&1 || { cat configure.log >&2; exit 1; }
