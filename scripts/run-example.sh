#!/usr/bin/env bash
# Serves examples/ on 127.0.0.1:8080 with the freshly built module, in the foreground
# (Ctrl-C stops it). With --smoke: serves it on a free port in the background, checks
# each endpoint once and stops (make test runs this, so `make run` stays true).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${NGX_MODULE:=$PWD/build/ngx_http_lua_ffi_module.so}"
# A sanitizer build of the module needs the runtime loaded first (SANITIZE=1).
nginx() {
  if [ "${SANITIZE:-0}" = 1 ]; then
    LD_PRELOAD=$(gcc -print-file-name=libasan.so) ASAN_OPTIONS=detect_leaks=0 /usr/sbin/nginx "$@"
  else
    /usr/sbin/nginx "$@"
  fi
}
smoke=0
[ "${1:-}" = --smoke ] && smoke=1
port=8080
prefix=$PWD/build/example
if [ $smoke = 1 ]; then
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  prefix=$(mktemp -d /tmp/nlf-example-XXXXXX)
  chmod 755 "$prefix"
fi
mkdir -p "$prefix/conf" "$prefix/logs" "$prefix/tmp"
rm -rf "$prefix/app"
cp -r examples/app "$prefix/app"
sed -e "s|@MODULE@|$NGX_MODULE|" -e "s|@USER@|$( [ "$(id -u)" = 0 ] && echo 'user root;' )|" \
  -e "s|127.0.0.1:8080|127.0.0.1:$port|" examples/nginx.conf > "$prefix/conf/nginx.conf"
nginx -p "$prefix/" -c conf/nginx.conf -t -q

if [ $smoke = 0 ]; then
  echo "Serving examples/ on http://127.0.0.1:$port/ (Ctrl-C stops; logs in $prefix/logs)"
  nginx -p "$prefix/" -c conf/nginx.conf -g 'daemon off;'
  exit
fi

nginx -p "$prefix/" -c conf/nginx.conf
stop() {
  kill -QUIT "$(cat "$prefix/logs/nginx.pid")" 2>/dev/null || true
  sleep 0.5
}
trap stop EXIT
for _ in $(seq 50); do [ -s "$prefix/logs/nginx.pid" ] && break; sleep 0.1; done
base=http://127.0.0.1:$port
fail() { echo "example: $*" >&2; tail -20 "$prefix/logs/error.log" >&2; exit 1; }
curl -fsS "$base/" | grep -q "nginx-lua-ffi example app" || fail "/ did not answer"
curl -fsS "$base/api/status" | grep -q '"subsystem":"http"' || fail "/api/status did not answer"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/admin")" = 403 ] || fail "/admin was not refused"
[ "$(curl -fsS "$base/api/slow")" = "$(printf 'waiting...\ndone')" ] || fail "/api/slow did not answer"
stop
trap - EXIT
grep -E '\[(alert|emerg|crit)\]|exited on signal' "$prefix/logs/error.log" && fail "problems in the error log"
grep -q "api request done with status 200" "$prefix/logs/error.log" || fail "no log line from log_by_lua"
rm -rf "$prefix"
echo "example: ok"
