#!/usr/bin/env bash
# Runs the nginx tests in t/ (all, or the files given) in parallel. Each block starts
# its own nginx on a free loopback port, so files do not collide.
# SANITIZE=1: the module was built with ASan+UBSan; nginx gets the runtime preloaded.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${NGX_MODULE:=$PWD/build/ngx_http_lua_ffi_module.so}"
export NGX_MODULE
if [ "${SANITIZE:-0}" = 1 ]; then
  NGX_PRELOAD=$(gcc -print-file-name=libasan.so)
  export NGX_PRELOAD
  # nginx does not free all of its memory at exit by design: leak reports would be
  # noise. Everything else aborts the worker, which the harness reports.
  export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:detect_odr_violation=0
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
if [ $# -eq 0 ]; then
  set -- t/
fi
exec prove -j"${JOBS:-2}" -r "$@"
