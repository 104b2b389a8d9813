#!/usr/bin/env python3
"""Side-by-side benchmarks: nginx-lua-ffi against Debian's OpenResty stack
(libnginx-mod-http-lua + lua-resty-core) on the same /usr/sbin/nginx.

Both stacks get the same nginx.conf and Lua, differing only in their load_module
lines. Request scenarios run under wrk on loopback, one nginx worker each, the two
stacks alternating over several rounds; per-call costs are timed inside one request.
Writes bench/results/<timestamp>.json and docs/PERFORMANCE.md.
"""
import argparse
import datetime
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NGINX = "/usr/sbin/nginx"
PEER_MODULES = ["/usr/lib/nginx/modules/ndk_http_module.so",
                "/usr/lib/nginx/modules/ngx_http_lua_module.so"]

# The `api` scenarios' work; SAY is their answer.
API_CONFIG = """location = /b {
            content_by_lua_block {
                local uri = ngx.var.uri
                local headers = ngx.req.get_headers()
                local args = ngx.req.get_uri_args()
                local from = ngx.re.find(uri, "^/b", "jo")
                ngx.header["X-Uri"] = uri
                ngx.header["X-Arg"] = args.a
                local hits = ngx.shared.bench_api:incr("hits", 1, 0)
                SAY
            }
        }"""

# Four peers on unix sockets in the prefix ($PREFIX), served by the same nginx, and an
# upstream over them for each way of balancing (bench/lua/pick_peer.lua picks in Lua;
# the peer's 0.10.23 needs the placeholder server).
PROXY_HTTP_CONFIG = "\n".join(
    f'server {{ listen unix:$PREFIX/logs/peer{i}.sock; location / {{ return 200 "ok\\n"; }} }}'
    for i in range(1, 5)) + """
    upstream plain_peers {
        """ + " ".join(f"server unix:$PREFIX/logs/peer{i}.sock;" for i in range(1, 5)) + """
        keepalive 32;
    }
    upstream lua_peers {
        server 0.0.0.1;
        balancer_by_lua_block { require("pick_peer").pick(false) }
        keepalive 32;
    }
    upstream lua_pooled_peers {
        server 0.0.0.1;
        balancer_by_lua_block { require("pick_peer").pick(true) }
    }"""

PROXY_CONFIG = """location = /b {
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_pass http://UPSTREAM;
        }"""

# name -> what the scenario needs in nginx.conf and what a correct response is.
SCENARIOS = {
    "static": {
        "about": "return 200, no Lua (the ceiling)",
        "config": 'location = /b { return 200 "ok\\n"; }',
        "path": "/b",
        "expect": "ok\n",
    },
    "hello": {
        "about": "ngx.say of a short string",
        "config": 'location = /b { content_by_lua_block { ngx.say("hello") } }',
        "path": "/b",
        "expect": "hello\n",
    },
    "api": {
        "about": "ngx.var, request headers, uri args, ngx.re.find, two response headers, "
                 "shdict incr, ngx.say",
        "http_config": "lua_shared_dict bench_api 1m;",
        "config": API_CONFIG.replace("SAY", 'ngx.say(from, " ", headers["host"] ~= nil, " ", hits > 0)'),
        "path": "/b?a=1&b=2",
        "expect": "1 true true\n",
    },
    "shdict": {
        "about": "20 shdict sets + 20 gets",
        "http_config": "lua_shared_dict bench_dict 10m;",
        "config": """location = /b {
            content_by_lua_block {
                local dict = ngx.shared.bench_dict
                local sum = 0
                for i = 1, 20 do
                    dict:set("key" .. i, i)
                end
                for i = 1, 20 do
                    sum = sum + dict:get("key" .. i)
                end
                ngx.say(sum)
            }
        }""",
        "path": "/b",
        "expect": "210\n",
    },
    "filters": {
        "about": "header_filter + body_filter on a static file",
        "config": """location = /b.txt {
            root html;
            header_filter_by_lua_block { ngx.header["X-Filtered"] = "1" }
            body_filter_by_lua_block { ngx.arg[1] = string.upper(ngx.arg[1]) }
        }""",
        "files": {"b.txt": "static file\n"},
        "path": "/b.txt",
        "expect": "STATIC FILE\n",
    },
    "shdict_full": {
        "about": "a full 1 MiB shdict under churn: 10 gets with a set on each miss, "
                 "then an add, delete or get_stale (50,000 keys, 1-3 s expiry, values 40-200 B)",
        "http_config": "lua_shared_dict bench_full 1m;",
        "config": 'location = /b { content_by_lua_block { require("churn").request() } }',
        "path": "/b",
        "expect": "ok\n",
    },
    "log": {
        "about": "log_by_lua reading three variables, after a static answer",
        "config": """location = /b {
            return 200 "ok\\n";
            log_by_lua_block {
                local seen = #ngx.var.uri + #ngx.var.status + #ngx.var.remote_addr
                if seen == 0 then ngx.log(ngx.ERR, "no variables") end
            }
        }""",
        "path": "/b",
        "expect": "ok\n",
    },
    "api_say": {
        "about": "the api work, answered with one ngx.say of many values",
        "http_config": "lua_shared_dict bench_api 1m;",
        "config": API_CONFIG.replace("SAY", 'ngx.say(ngx.var.request_method, " ", ngx.var.uri, " ", '
                                            'headers["user-agent"], " ", from, " ", args.x, " ", ngx.time())'),
        "path": "/b?a=1&x=7",
        "headers": {"User-Agent": "bench"},
        "expect_re": r"GET /b bench 1 7 \d+\n",
    },
    "capture": {
        "about": "ngx.location.capture of a location answering with return, its body printed",
        "config": """location = /sub { return 200 "ok\\n"; }
        location = /b {
            content_by_lua_block { ngx.print(ngx.location.capture("/sub").body) }
        }""",
        "path": "/b",
        "expect": "ok\n",
    },
    "proxy": {
        "about": "proxy_pass to four local peers, round robin, nginx's keepalive (no Lua)",
        "http_config": PROXY_HTTP_CONFIG,
        "config": PROXY_CONFIG.replace("UPSTREAM", "plain_peers"),
        "path": "/b",
        "expect": "ok\n",
    },
    "balancer": {
        "about": "as proxy, with balancer_by_lua picking one of the four peers (set_current_peer), "
                 "nginx's keepalive",
        "http_config": PROXY_HTTP_CONFIG,
        "config": PROXY_CONFIG.replace("UPSTREAM", "lua_peers"),
        "path": "/b",
        "expect": "ok\n",
    },
    "balancer_keepalive": {
        "about": "as balancer, pooled by balancer.enable_keepalive instead (not in the peer's 0.10.23)",
        "http_config": PROXY_HTTP_CONFIG,
        "config": PROXY_CONFIG.replace("UPSTREAM", "lua_pooled_peers"),
        "path": "/b",
        "expect": "ok\n",
    },
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One nginx (master + one worker) for one stack and one scenario; or, with
    `callgrind`, one nginx process (no master) under valgrind's callgrind."""

    def __init__(self, stack, module_lines, http_config, config, files, callgrind=False):
        self.stack = stack
        self.prefix = tempfile.mkdtemp(prefix=f"nlf-bench-{stack}-")
        self.port = free_port()
        for sub in ("conf", "logs", "html", "tmp"):
            os.makedirs(os.path.join(self.prefix, sub))
        os.chmod(self.prefix, 0o755)
        for name, text in (files or {}).items():
            with open(os.path.join(self.prefix, "html", name), "w") as f:
                f.write(text)
        user = "user root;" if os.getuid() == 0 else ""
        # With two or more cores, the worker gets the last one and wrk the first
        # (see wrk()): the two never compete, which steadies the figures.
        cores = os.cpu_count() or 1
        affinity = f"worker_cpu_affinity {1 << (cores - 1):b};" if cores > 1 else ""
        process = "master_process off;\ndaemon off;" if callgrind else f"worker_processes 1;\n{affinity}"
        conf = f"""{module_lines}
{user}
{process}
error_log logs/error.log error;
pid logs/nginx.pid;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    default_type text/plain;
    client_body_temp_path tmp;
    lua_package_path "{ROOT}/bench/lua/?.lua;;";
    {http_config}
    server {{
        listen 127.0.0.1:{self.port} backlog=4096;
        {config}
    }}
}}
"""
        conf = conf.replace("$PREFIX", self.prefix)
        with open(os.path.join(self.prefix, "conf", "nginx.conf"), "w") as f:
            f.write(conf)
        self.error = None
        self.valgrind = None
        command = [NGINX, "-p", self.prefix + "/", "-c", "conf/nginx.conf"]
        if callgrind:
            self.profile = os.path.join(self.prefix, "callgrind.out")
            self.valgrind = subprocess.Popen(
                ["valgrind", "--tool=callgrind", f"--callgrind-out-file={self.profile}"] + command,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.time() + 60
            while time.time() < deadline and self.valgrind.poll() is None:
                with socket.socket() as probe:
                    if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                        return
                time.sleep(0.2)
            self.error = first_error(self.log()) if self.valgrind.poll() is not None else "no answer under valgrind"
            return
        proc = subprocess.run(command, capture_output=True, text=True)
        if proc.returncode != 0:
            self.error = first_error(proc.stderr + self.log())
            return
        deadline = time.time() + 5
        while time.time() < deadline and not os.path.exists(self.pidfile()):
            time.sleep(0.02)

    def pidfile(self):
        return os.path.join(self.prefix, "logs", "nginx.pid")

    def log(self):
        try:
            with open(os.path.join(self.prefix, "logs", "error.log")) as f:
                return f.read()
        except OSError:
            return ""

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path, headers=None):
        try:
            request = urllib.request.Request(self.url(path), headers=headers or {})
            with urllib.request.urlopen(request, timeout=60) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(errors="replace")
        except OSError as e:
            return 0, str(e)

    def worker_status(self):
        master = int(open(self.pidfile()).read())
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/status") as f:
                    status = f.read()
            except OSError:
                continue
            if re.search(rf"^PPid:\s+{master}$", status, re.M):
                return int(pid), status
        return None, ""

    def worker_rss_kib(self):
        m = re.search(r"^VmRSS:\s+(\d+)", self.worker_status()[1], re.M)
        return int(m.group(1)) if m else None

    def worker_cpu_seconds(self):
        """User and system CPU time the worker has used so far."""
        pid = self.worker_status()[0]
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        tick = os.sysconf("SC_CLK_TCK")
        return int(fields[11]) / tick, int(fields[12]) / tick

    def instructions_per_request(self, path, headers, warmup, requests):
        """Instructions the nginx process ran per request (user space, callgrind):
        counted from zero after `warmup` requests, over `requests` more on one
        keep-alive connection."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        deadline = time.time() + CALLGRIND_SECONDS
        try:
            for i in range(warmup + requests):
                if time.time() > deadline:
                    raise RuntimeError(f"not done within {CALLGRIND_SECONDS} s under valgrind")
                if i == warmup:
                    subprocess.run(["callgrind_control", "-z", str(self.valgrind.pid)],
                                   capture_output=True, check=True, timeout=60)
                conn.request("GET", path, headers=headers)
                conn.getresponse().read()
            subprocess.run(["callgrind_control", "-d", str(self.valgrind.pid)],
                           capture_output=True, check=True, timeout=60)
        finally:
            conn.close()
        with open(self.profile + ".1") as f:
            totals = re.search(r"^(?:summary|totals): (\d+)", f.read(), re.M)
        return int(totals.group(1)) / requests

    def stop(self):
        if self.valgrind is not None:
            # nginx under valgrind does not always act on SIGTERM.
            self.valgrind.terminate()
            try:
                self.valgrind.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.valgrind.kill()
                self.valgrind.wait()
            shutil.rmtree(self.prefix, ignore_errors=True)
            return
        if self.error is None and os.path.exists(self.pidfile()):
            master = int(open(self.pidfile()).read())
            os.kill(master, signal.SIGQUIT)
            deadline = time.time() + 10
            while time.time() < deadline and os.path.exists(f"/proc/{master}"):
                time.sleep(0.02)
        shutil.rmtree(self.prefix, ignore_errors=True)


def first_error(text):
    for line in text.splitlines():
        if "[emerg]" in line or "[error]" in line or "[alert]" in line:
            return re.sub(r"^.*?\[(emerg|error|alert)\] \S+ ", "", line).strip()[:200]
    return text.strip()[:200] or "unknown failure"


def wrk(url, seconds, connections, headers=None):
    pin = ["taskset", "-c", "0"] if (os.cpu_count() or 1) > 1 else []
    header_args = [arg for name, value in (headers or {}).items() for arg in ("-H", f"{name}: {value}")]
    out = subprocess.run(pin + ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s"] + header_args + [url],
                         capture_output=True, text=True).stdout
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if not m or not total or errors:
        raise RuntimeError(f"wrk failed or saw errors:\n{out}")
    return float(m.group(1)), int(total.group(1))


def module_lines(stack, our_module):
    if stack == "ours":
        return f"load_module {our_module};"
    return "\n".join(f"load_module {m};" for m in PEER_MODULES)


def run_scenario(name, spec, our_module, rounds, seconds):
    servers = {stack: Server(stack, module_lines(stack, our_module), spec.get("http_config", ""),
                             spec["config"], spec.get("files"))
               for stack in ("ours", "peer")}
    result = {"about": spec["about"]}
    try:
        runnable = {}
        for stack, server in servers.items():
            if server.error:
                result[stack] = {"cannot_run": server.error}
                continue
            status, body = server.get(spec["path"], spec.get("headers"))
            expected = (re.fullmatch(spec["expect_re"], body) if "expect_re" in spec
                        else body == spec["expect"])
            if status != 200 or not expected:
                reason = first_error(server.log()) if status >= 500 else f"status {status}"
                result[stack] = {"cannot_run": f"wrong response ({reason})"}
                continue
            runnable[stack] = server
        samples = {stack: [] for stack in runnable}
        # The worker's user-space CPU per request: what nginx and the Lua stack spend,
        # without the kernel's networking, which dominates the loopback runs.
        user_us = {stack: [] for stack in runnable}
        # A warm-up run each (JIT traces, caches), then rounds that alternate which
        # stack goes first, so that neither always follows the other.
        for server in runnable.values():
            wrk(server.url(spec["path"]), 1, 32, spec.get("headers"))
        order = list(runnable.items())
        for i in range(rounds):
            for stack, server in (order if i % 2 == 0 else order[::-1]):
                user_before = server.worker_cpu_seconds()[0]
                rps, requests = wrk(server.url(spec["path"]), seconds, 32, spec.get("headers"))
                samples[stack].append(rps)
                user_us[stack].append((server.worker_cpu_seconds()[0] - user_before) * 1e6 / requests)
        for stack, server in runnable.items():
            result[stack] = {"rps_samples": samples[stack],
                             "rps": statistics.median(samples[stack]),
                             "user_us_per_request": statistics.median(user_us[stack]),
                             "worker_rss_kib": server.worker_rss_kib()}
        # The machine's speed drifts over a run; the two runs of a round are next to
        # each other in time, so their ratio is the figure that drift does not bias.
        if len(runnable) == 2:
            result["ratio"] = statistics.median(o / p for o, p in zip(samples["ours"], samples["peer"]))
            result["user_ratio"] = statistics.median(o / p for o, p in zip(user_us["ours"], user_us["peer"]))
    finally:
        for server in servers.values():
            server.stop()
    for stack in runnable:
        server = Server(stack, module_lines(stack, our_module), spec.get("http_config", ""),
                        spec["config"], spec.get("files"), callgrind=True)
        try:
            if server.error:
                result[stack]["instructions_error"] = server.error
                continue
            result[stack]["instructions_per_request"] = server.instructions_per_request(
                spec["path"], spec.get("headers") or {}, CALLGRIND_WARMUP, CALLGRIND_REQUESTS)
        except (OSError, RuntimeError, subprocess.SubprocessError, AttributeError) as e:
            result[stack]["instructions_error"] = str(e)[:200]
        finally:
            server.stop()
    return result


# Requests before counting (JIT traces, caches) and counted, under callgrind, and
# how long a stack may take for them.
CALLGRIND_WARMUP = 300
CALLGRIND_REQUESTS = 1000
CALLGRIND_SECONDS = 300


def run_percall(our_module, scale, names=None):
    names = names or PERCALL
    config = "\n".join(
        f"location = /percall/{name} {{ content_by_lua_block {{ require('percall').run('{name}', {scale}) }} }}"
        for name in names)
    servers = {stack: Server(stack, module_lines(stack, our_module), PERCALL_HTTP_CONFIG, config, None)
               for stack in ("ours", "peer")}
    results = {}
    try:
        for name in names:
            results[name] = {}
            for stack, server in servers.items():
                if server.error:
                    results[name][stack] = {"cannot_run": server.error}
                    continue
                status, body = server.get(f"/percall/{name}")
                m = re.search(r"ns=([\d.]+)\n$", body)
                if status != 200 or not m:
                    results[name][stack] = {"cannot_run": first_error(server.log())}
                    continue
                results[name][stack] = {"ns": float(m.group(1))}
    finally:
        for server in servers.values():
            server.stop()
    return results


# Zone memory per small key: fill a zone, compare free space before and after; and the
# share of an empty zone a stack lets values use (what its index and allocator keep
# for themselves is missing from it). KEYS is replaced by the key count (the probe
# must not depend on ngx.var).
SHDICT_MEMORY = {
    "keys": 20000,
    "http_config": "lua_shared_dict bench_mem 64m;",
    "config": """location = /shdict_bytes {
        content_by_lua_block {
            local dict = ngx.shared.bench_mem
            local keys = KEYS
            dict:flush_all()
            dict:flush_expired()
            local before = dict:free_space()
            for i = 1, keys do
                assert(dict:set(string.format("key:%08d", i), i))
            end
            ngx.say(string.format("bytes=%.1f usable=%.4f", (before - dict:free_space()) / keys,
                                  before / dict:capacity()))
        }
    }""",
}

PERCALL = ["say", "get_phase", "status_get", "status_set", "headers_sent", "worker_id",
           "log_filtered", "sleep0", "thread_spawn_wait", "var_uri", "req_get_headers", "req_get_headers_fresh",
           "req_get_uri_args", "req_get_uri_args_fresh", "req_get_headers_changing",
           "req_get_uri_args_changing", "resp_header_set",
           "re_match", "re_match_unset", "re_split", "re_find", "re_gsub", "re_gsub_func", "md5", "md5_bin",
           "sha1_bin", "hmac_sha1", "crc32_short", "crc32_long", "http_time", "http_time_now",
           "cookie_time", "today", "localtime", "utctime", "parse_http_time",
           "now", "encode_base64", "decode_base64", "escape_uri", "unescape_uri", "quote_sql_str",
           "shdict_get", "shdict_set", "shdict_incr"]
# The zone the shdict_* per-call cases use.
PERCALL_HTTP_CONFIG = "lua_shared_dict bench_percall 10m;"


def run_shdict_memory(our_module):
    spec = SHDICT_MEMORY
    results = {"keys": spec["keys"]}
    for stack in ("ours", "peer"):
        config = spec["config"].replace("KEYS", str(spec["keys"]))
        server = Server(stack, module_lines(stack, our_module), spec["http_config"], config, None)
        try:
            if server.error:
                results[stack] = {"cannot_run": server.error}
                continue
            status, body = server.get("/shdict_bytes")
            m = re.search(r"bytes=([\d.]+) usable=([\d.]+)", body)
            results[stack] = ({"bytes_per_key": float(m.group(1)), "usable": float(m.group(2))}
                              if status == 200 and m else {"cannot_run": first_error(server.log())})
        finally:
            server.stop()
    return results


# Writes into a full, fragmented zone (bench/lua/churn.lua): the mean cost of `add` of
# a new key and of get-then-set on a miss, and the churn workload's requests timed one
# by one (median, 99.9th percentile and slowest: the longest pause of the zone's lock).
SHDICT_FULL_PROBE = {
    "http_config": "lua_shared_dict bench_full_probe 1m;",
    "config": 'location = /shdict_full { content_by_lua_block { require("churn").probe() } }',
}


def run_shdict_full(our_module):
    spec = SHDICT_FULL_PROBE
    results = {}
    for stack in ("ours", "peer"):
        server = Server(stack, module_lines(stack, our_module), spec["http_config"], spec["config"], None)
        try:
            if server.error:
                results[stack] = {"cannot_run": server.error}
                continue
            status, body = server.get("/shdict_full")
            figures = {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", body)}
            results[stack] = (figures if status == 200 and "churn_max" in figures
                              else {"cannot_run": first_error(server.log())})
        finally:
            server.stop()
    return results


def lua_layer(scenarios):
    """User-space instructions per request above the `static` scenario, per stack:
    what the Lua layer costs, without nginx's own work and the kernel's networking,
    which are the same for both stacks."""
    base = scenarios.get("static", {})
    layer = {}
    for name, r in scenarios.items():
        if name == "static":
            continue
        entry = {}
        for stack in ("ours", "peer"):
            if "instructions_per_request" in r.get(stack, {}) and \
                    "instructions_per_request" in base.get(stack, {}):
                entry[stack] = (r[stack]["instructions_per_request"]
                                - base[stack]["instructions_per_request"])
        if entry.get("peer", 0) > 0 and "ours" in entry:
            entry["ratio"] = entry["ours"] / entry["peer"]
        layer[name] = entry
    return layer


def lua_layer_rows(layer):
    rows = []
    for name, e in layer.items():
        share = f"{e['ratio']:.2f}×" if "ratio" in e else "—"
        rows.append(f"| {name} | {cell(e, 'ours', 0)} | {cell(e, 'peer', 0)} | {share} |")
    return rows


def version_of(cmd, pattern):
    out = subprocess.run(cmd, capture_output=True, text=True)
    m = re.search(pattern, out.stdout + out.stderr)
    return m.group(1) if m else "unknown"


def fmt(x, digits=1):
    return f"{x:,.{digits}f}"


def cell(entry, key, digits):
    if entry is None:
        return "—"
    if "cannot_run" in entry:
        return "cannot run"
    return fmt(entry[key], digits) if key in entry else "—"


def ratio(ours, peer, key):
    if not ours or not peer or key not in ours or key not in peer:
        return "—"
    return f"{ours[key] / peer[key]:.2f}×"


def markdown(report):
    meta = report["meta"]
    lines = [
        "# Performance",
        "",
        "Figures from `make bench` (`bench/bench.py`): nginx-lua-ffi (\"ours\") against",
        "Debian's OpenResty stack (\"peer\": `libnginx-mod-http-lua` "
        f"{meta['peer_lua_module']} + `lua-resty-core` {meta['peer_resty_core']}) on the same",
        "`/usr/sbin/nginx`, with the same nginx.conf and Lua. Ratios are the figure to read;",
        "absolute numbers depend on the machine. Nothing in `make test` depends on timing.",
        "",
        f"- Date: {meta['date']}",
        f"- Machine: {meta['cores']} cores, {meta['machine']}",
        f"- nginx {meta['nginx']}, LuaJIT {meta['luajit']}",
        f"- Requests: wrk, 1 thread, 32 connections, {meta['seconds']} s per run, "
        f"{meta['rounds']} rounds alternating the stacks; medians of each, and the median of the",
        "  rounds' ours/peer ratios (the two runs of a round are adjacent in time); one nginx worker each,",
        "  pinned to the last core and wrk to the first.",
        f"- Per call: CPU time of a loop inside one request after a warm-up, the fastest of 5 "
        f"(scale {meta['scale']}).",
        "",
        "## The Lua layer",
        "",
        "User-space instructions per request above the `static` scenario (callgrind, the same",
        "count on every run): what running Lua adds to a request, without nginx's own work and",
        "the kernel's networking, which are the same for both stacks and hide it in requests",
        "per second on loopback. Lower is better.",
        "",
        "| scenario | ours above static | peer above static | ours / peer |",
        "|---|---:|---:|---:|",
    ] + lua_layer_rows(report["lua_layer"]) + [
        "",
        "## Requests per second",
        "",
        "| scenario | what | ours | peer | ours / peer | user CPU µs/request ours / peer | "
        "ours / peer | instructions/request ours / peer | ours / peer | worker RSS ours / peer (KiB) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    notes = []
    for name, r in report["scenarios"].items():
        ours, peer = r.get("ours"), r.get("peer")
        rss = "—"
        if ours and peer and "worker_rss_kib" in ours and "worker_rss_kib" in peer:
            rss = f"{ours['worker_rss_kib']:,} / {peer['worker_rss_kib']:,}"
        paired = f"{r['ratio']:.2f}×" if "ratio" in r else "—"
        user_paired = f"{r['user_ratio']:.2f}×" if "user_ratio" in r else "—"
        lines.append(f"| {name} | {r['about']} | {cell(ours, 'rps', 0)} | {cell(peer, 'rps', 0)} | "
                     f"{paired} | {cell(ours, 'user_us_per_request', 2)} / "
                     f"{cell(peer, 'user_us_per_request', 2)} | {user_paired} | "
                     f"{cell(ours, 'instructions_per_request', 0)} / "
                     f"{cell(peer, 'instructions_per_request', 0)} | "
                     f"{ratio(ours, peer, 'instructions_per_request')} | {rss} |")
        for stack in ("ours", "peer"):
            if r.get(stack) and "cannot_run" in r[stack]:
                notes.append(f"- `{name}` cannot run on {stack}: {r[stack]['cannot_run']}")
            if r.get(stack) and "instructions_error" in r[stack]:
                notes.append(f"- `{name}` on {stack}: no instruction count "
                             f"({r[stack]['instructions_error']})")
    if notes:
        lines += ["", "What a stack could not run or measure:", ""] + notes
    lines += ["", "## Nanoseconds per call", "",
              "Lower is better; a ratio below 1 means ours is faster.", "",
              "| API | ours (ns) | peer (ns) | ours / peer |", "|---|---:|---:|---:|"]
    for name, r in report["percall"].items():
        ours, peer = r.get("ours"), r.get("peer")
        lines.append(f"| {name} | {cell(ours, 'ns', 1)} | {cell(peer, 'ns', 1)} | {ratio(ours, peer, 'ns')} |")
    full = report["shdict_full"]
    lines += ["", "## Writes into a full shared dictionary", "",
              "A 1 MiB zone filled past capacity with 100-byte values (`bench/lua/churn.lua`): "
              "nanoseconds per `add` of a new key and per `get` then `set` on a miss (over 50,000 "
              "keys), the fastest of 5 loops of 100,000; then the `shdict_full` request's work "
              "(11 calls) timed 20,000 times one by one, in µs: the slowest is the longest a "
              "worker holds up its other connections (it includes preemption by other processes).",
              "", "| | ours | peer | ours / peer |", "|---|---:|---:|---:|"]
    for key, what in (("add", "`add` of a new key (ns)"), ("miss_set", "`get` + `set` on a miss (ns)"),
                      ("churn_median", "churn request, median (µs)"),
                      ("churn_p999", "churn request, 99.9th percentile (µs)"),
                      ("churn_max", "churn request, slowest (µs)")):
        lines.append(f"| {what} | {cell(full.get('ours'), key, 2)} | {cell(full.get('peer'), key, 2)} | "
                     f"{ratio(full.get('ours'), full.get('peer'), key)} |")
    for stack in ("ours", "peer"):
        if full.get(stack) and "cannot_run" in full[stack]:
            lines.append(f"\n`{stack}` cannot run it: {full[stack]['cannot_run']}")
    mem = report["shdict_memory"]
    lines += ["", "## Shared dictionary memory", "",
              f"Zone bytes used per key after setting {mem['keys']:,} keys like `key:00000001` to "
              "small integers (free space before minus after, divided by the keys), and the share "
              "of an empty 64 MiB zone that `free_space()` reports (the rest is kept by the "
              "stack's index and allocator).", "",
              "| | ours | peer | ours / peer |", "|---|---:|---:|---:|",
              f"| bytes per key | {cell(mem.get('ours'), 'bytes_per_key', 1)} | "
              f"{cell(mem.get('peer'), 'bytes_per_key', 1)} | "
              f"{ratio(mem.get('ours'), mem.get('peer'), 'bytes_per_key')} |",
              f"| usable share of the zone | {cell(mem.get('ours'), 'usable', 3)} | "
              f"{cell(mem.get('peer'), 'usable', 3)} | {ratio(mem.get('ours'), mem.get('peer'), 'usable')} |"]
    for stack in ("ours", "peer"):
        if mem.get(stack) and "cannot_run" in mem[stack]:
            lines.append(f"\n`{stack}` cannot run it: {mem[stack]['cannot_run']}")
    lines += ["", "## Notes", "",
              "- The Lua layer: `make bench ONLY=...` runs `static` too, which every figure of that",
              "  table is counted from. `log` answers as `static` does, so its figure is the",
              "  `log_by_lua` handler alone; `filters` serves a file instead (`static` returns a",
              "  string), which the two stacks share. `api_say` sends `User-Agent: bench` (wrk and",
              "  the counted requests alike), which its answer prints.",
              "- `shdict_full` keeps its zone full from the first requests on (50,000 keys of",
              "  90-250 bytes against 1 MiB): most `get`s miss, and every `set` makes room.",
              "- Instructions per request: the nginx process under valgrind's callgrind (no master),",
              f"  counted over {CALLGRIND_REQUESTS} requests on one keep-alive connection after "
              f"{CALLGRIND_WARMUP} uncounted ones;",
              "  user space only, and the same count on every run and machine load, where the",
              "  timings move by several per cent.",
              "- User CPU per request: the worker's user-space CPU time over a run (from",
              "  /proc/<pid>/stat, 10 ms ticks) divided by the requests wrk completed; the rest of",
              "  the worker's time is the kernel's networking, the same for both stacks, which",
              "  bounds how far the requests-per-second ratio can move on loopback.",
              "- `sleep0` is not the same operation on the two stacks. Ours posts the wake-up to",
              "  nginx's next event-loop iteration, so every `ngx.sleep(0)` lets pending I/O run",
              "  (one `epoll_wait` per call). The peer on a stock nginx core arms a 0 ms timer,",
              "  which expires within the same timer pass: a loop of `ngx.sleep(0)` never gets",
              "  back to `epoll_wait` and starves the worker's other connections.",
              "- Per-call figures include the loop and the call's argument checks, measured with",
              "  `os.clock()` (CPU time) over the timed loop; each case runs 5 timed loops and",
              "  reports the fastest, on both stacks, since other load on the machine only ever",
              "  slows a loop down.",
              "- Cases that make a new string each call (`http_time`, `cookie_time`, `md5`, ...)",
              "  move by up to a third between runs: in some heap states LuaJIT's string table",
              "  grows past 16K slots and shrinks back in every GC cycle, and each growth maps",
              "  fresh memory (its allocator maps blocks of 128 KiB or more directly). Each case",
              "  starts from a collected heap, which makes that rarer; the peer does the same.",
              "- `req_get_headers` / `req_get_uri_args` call again within one request (ours hands",
              "  out a copy of the table it kept); `_fresh` lists them anew each call, with the names",
              "  and values of the call before, as consecutive requests mostly repeat them (ours",
              "  clones the table it made for those names); `_changing` sets a value before each",
              "  call, so the figure includes `set_header` / `set_uri_args` on both stacks.",
              "- The utility cases (`bench/lua/percall.lua`): `re_*` match `\"hello world\"` with `jo`",
              "  (`re_match` builds a 3-capture table, `re_match_unset` one whose middle group did not",
              "  take part, `re_gsub` rewrites two matches with a template, `re_gsub_func` with a",
              "  function; `re_split` cuts `\"a,b,c,d\"` at commas); `md5`, `md5_bin`, `sha1_bin`,",
              "  `hmac_sha1`, `crc32_*`",
              "  hash `\"hello world\"`, where the digest itself dominates for MD5: one 64-byte block is",
              "  64 dependent steps, at least about 290 cycles (about 88 ns for ours, 97 for OpenSSL's",
              "  assembly), so no MD5 gets near half the peer's time. `http_time` and `cookie_time`",
              "  format a new second each call, so their cost is mostly making a new Lua string (a",
              "  profile of ours: 80% of the time in LuaJIT making and collecting the strings, 8%",
              "  formatting; a loop that makes such strings without formatting costs as much);",
              "  `http_time_now` formats `ngx.time()`, the common use, where ours returns the string",
              "  it made for that second, as `today`, `localtime` and `utctime` do.",
              "- `now` reads nginx's cached time in place (no call): in a loop that calls nothing",
              "  else, LuaJIT reads it once, which is right, as the clock moves only in C calls",
              "  (`ngx.update_time`) or between Lua's runs; the peer makes an FFI call each time."]
    lines += ["", "Raw numbers: `bench/results/" + report["meta"]["file"] + "`.", ""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--module", default=os.path.join(ROOT, "build", "ngx_http_lua_ffi_module.so"))
    parser.add_argument("--quick", action="store_true", help="short runs (about 2 minutes)")
    parser.add_argument("--only", help="comma-separated scenario names")
    parser.add_argument("--percall", help="comma-separated per-call cases: run only these and "
                        "print them (no results file, PERFORMANCE.md untouched)")
    args = parser.parse_args()

    if args.percall:
        for name, r in run_percall(args.module, 1.0, args.percall.split(",")).items():
            print(f"{name:24} ours {cell(r.get('ours'), 'ns', 1):>10}  peer {cell(r.get('peer'), 'ns', 1):>10}"
                  f"  {ratio(r.get('ours'), r.get('peer'), 'ns')}")
        return

    rounds, seconds, scale = (4, 1, 0.2) if args.quick else (8, 3, 1.0)
    names = args.only.split(",") if args.only else list(SCENARIOS)
    # The Lua-layer figures are counted from the static scenario.
    if "static" not in names:
        names.insert(0, "static")
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H-%M-%SZ")
    report = {
        "meta": {
            "date": stamp,
            "file": f"{stamp}.json",
            "cores": os.cpu_count(),
            "machine": platform.processor() or platform.machine(),
            "nginx": version_of([NGINX, "-v"], r"nginx/(\S+)"),
            "luajit": version_of(["luajit", "-v"], r"LuaJIT (\S+)"),
            "peer_lua_module": version_of(["dpkg-query", "-W", "libnginx-mod-http-lua"], r"\t(\S+)"),
            "peer_resty_core": version_of(["dpkg-query", "-W", "lua-resty-core"], r"\t(\S+)"),
            "rounds": rounds, "seconds": seconds, "scale": scale,
        },
        "scenarios": {},
    }
    for name in names:
        print(f"scenario {name} ...", file=sys.stderr, flush=True)
        report["scenarios"][name] = run_scenario(name, SCENARIOS[name], args.module, rounds, seconds)
    # A run of some scenarios only records its results: PERFORMANCE.md shows whole runs.
    if not args.only:
        print("per-call costs ...", file=sys.stderr, flush=True)
        report["percall"] = run_percall(args.module, scale)
        print("shared dictionary memory ...", file=sys.stderr, flush=True)
        report["shdict_memory"] = run_shdict_memory(args.module)
        print("full shared dictionary ...", file=sys.stderr, flush=True)
        report["shdict_full"] = run_shdict_full(args.module)
    report["lua_layer"] = lua_layer(report["scenarios"])

    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "results", report["meta"]["file"]), "w") as f:
        json.dump(report, f, indent=2)
    if args.only:
        for name, r in report["scenarios"].items():
            print(f"{name:20} instructions/request ours {cell(r.get('ours'), 'instructions_per_request', 0):>10}"
                  f"  peer {cell(r.get('peer'), 'instructions_per_request', 0):>10}"
                  f"  requests/s ours {cell(r.get('ours'), 'rps', 0):>8}  peer {cell(r.get('peer'), 'rps', 0):>8}")
        print(f"raw numbers: bench/results/{report['meta']['file']}")
    else:
        text = markdown(report)
        with open(os.path.join(ROOT, "docs", "PERFORMANCE.md"), "w") as f:
            f.write(text)
        print(text)
    print("\nLua layer (instructions per request above static, ours / peer):", file=sys.stderr)
    for row in lua_layer_rows(report["lua_layer"]):
        print("  " + row.strip("| ").replace(" | ", "  "), file=sys.stderr)


if __name__ == "__main__":
    main()
