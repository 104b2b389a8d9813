#!/usr/bin/env bash
# Serves examples/ on 127.0.0.1:8080 with the freshly built module, in the
# foreground (Ctrl-C stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${NGX_MODULE:=$PWD/build/ngx_http_lua_ffi_module.so}"
prefix=$PWD/build/example
mkdir -p "$prefix/conf" "$prefix/logs" "$prefix/tmp"
rm -rf "$prefix/app"
cp -r examples/app "$prefix/app"
sed -e "s|@MODULE@|$NGX_MODULE|" -e "s|@USER@|$( [ "$(id -u)" = 0 ] && echo 'user root;' )|" \
  examples/nginx.conf > "$prefix/conf/nginx.conf"
/usr/sbin/nginx -p "$prefix/" -c conf/nginx.conf -t -q
echo "Serving examples/ on http://127.0.0.1:8080/ (Ctrl-C stops; logs in $prefix/logs)"
exec /usr/sbin/nginx -p "$prefix/" -c conf/nginx.conf -g 'daemon off;'
