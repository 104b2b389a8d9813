#!/usr/bin/env python3
"""Soak and fault test (make soak): nginx with two workers serving scripts/soak/ under
a mixed load for SOAK_SECONDS, with `nginx -s reload` every few seconds, clients that
leave mid-body, mid-sleep and mid-response, and malformed and oversized requests.

It samples each worker's RSS and open fds per worker generation (the workers one
reload started), counts crashes, alerts and unexpected error-log lines, answers other
than the expected ones per endpoint, and updates a shared counter lost, then prints the
figures, the last line a summary. Exits 1 when something went wrong.

--peer runs the same application on Debian's OpenResty stack (libnginx-mod-http-lua
with lua-resty-core) for comparison.
"""
import argparse
import collections
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APP = os.path.join(ROOT, "scripts", "soak")
NGINX = "/usr/sbin/nginx"
PEER_MODULES = ["/usr/lib/nginx/modules/ndk_http_module.so",
                "/usr/lib/nginx/modules/ngx_http_lua_module.so"]
FILTER_FILE = "a static file, upper-cased by body_filter_by_lua\n" * 20

# Error-log lines the load provokes on purpose (the log is at `warn`).
EXPECTED_LOG = [
    re.compile(r"\[error\].*soak deliberate error"),
    re.compile(r"\[error\].*client intended to send too large (chunked )?body"),
    re.compile(r"\[warn\].*a client request body is buffered to a temporary file"),
]
ENTRY = re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[(\w+)\] ")


class NoAnswer(Exception):
    """The connection closed before the first byte of a response."""


class Connection:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""
        self.requests = 0

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def _more(self):
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            data = b""
        if not data:
            raise NoAnswer() if not self.buf else ConnectionError("closed mid-response")
        self.buf += data

    def _take(self, n):
        while len(self.buf) < n:
            self._more()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _line(self):
        while b"\r\n" not in self.buf:
            self._more()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def request(self, raw):
        """Sends `raw` and reads one response: (status, headers, body, keep_alive)."""
        self.requests += 1
        try:
            self.sock.sendall(raw)
        except (BrokenPipeError, ConnectionResetError) as e:
            raise NoAnswer() from e
        while b"\r\n\r\n" not in self.buf:
            self._more()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    while self._line():
                        pass
                    break
                parts.append(self._take(size))
                self._take(2)
            body = b"".join(parts)
        elif "content-length" in headers:
            body = self._take(int(headers["content-length"]))
        else:
            while True:
                try:
                    self._more()
                except (NoAnswer, ConnectionError):
                    break
            body, self.buf = self.buf, b""
            return status, headers, body, False
        return status, headers, body, headers.get("connection", "").lower() != "close"


def get(path, keep_alive=True, extra=""):
    connection = "keep-alive" if keep_alive else "close"
    return f"GET {path} HTTP/1.1\r\nHost: soak\r\nConnection: {connection}\r\n{extra}\r\n".encode()


def form_body(rng):
    """A form body and the answer /body gives for it."""
    count = rng.randint(1, 60)
    pad = rng.choice([0, 0, 0, 10, 100, 300])
    pairs, total = [], 0
    for i in range(count):
        if i % 2 == 0:
            n = rng.randint(-50, 1000)
            total += n
            pairs.append(f"n{i}={n}")
        else:
            pairs.append(f"p{i}={'a+b%21' * pad}")
    return "&".join(pairs).encode(), f"{count} {total} true\n".encode()


class Client(threading.Thread):
    """One client: picks a scenario after another, at its share of the request rate."""

    def __init__(self, port, seed, deadline, interval, stats):
        super().__init__(daemon=True)
        self.port = port
        self.rng = random.Random(seed)
        self.deadline = deadline
        self.interval = interval
        self.stats = stats
        self.conn = None
        self.scenarios = [
            (12, self.shdict), (10, self.count), (8, self.body), (6, self.sleep), (5, self.timer),
            (5, self.semaphore), (5, self.threads), (6, self.regex), (5, self.phases), (5, self.filter),
            (3, self.big), (2, self.error), (2, self.abort_body), (2, self.abort_sleep),
            (1, self.abort_response), (3, self.malformed), (2, self.oversized),
        ]
        self.weights = [w for w, _ in self.scenarios]

    # -- plumbing --

    def record(self, endpoint, ok, detail=""):
        s = self.stats
        s["requests"][endpoint] += 1
        if not ok:
            s["unexpected"][endpoint] += 1
            if len(s["examples"]) < 20:
                s["examples"].append(f"{time.strftime('%H:%M:%S')} {endpoint}: {detail}")

    def exchange(self, raw, fresh=False):
        """One request on the kept-alive connection (or a fresh one). A kept-alive
        connection the server closed while idle (a reload does) is retried once."""
        keep = not fresh and self.rng.random() < 0.7
        if not keep:
            raw = raw.replace(b"Connection: keep-alive", b"Connection: close")
        for attempt in (0, 1):
            if not keep or self.conn is None:
                conn = Connection(self.port)
            else:
                conn = self.conn
            try:
                status, headers, body, alive = conn.request(raw)
            except NoAnswer:
                conn.close()
                if conn is self.conn:
                    self.conn = None
                if attempt == 0 and conn.requests > 1:
                    self.stats["retries"] += 1
                    continue
                raise
            except Exception:
                conn.close()
                if conn is self.conn:
                    self.conn = None
                raise
            if keep and alive:
                self.conn = conn
            else:
                conn.close()
                if conn is self.conn:
                    self.conn = None
            return status, headers, body
        raise NoAnswer()

    def check(self, endpoint, raw, want_status=200, want_body=None, want_header=None, fresh=False):
        try:
            status, headers, body = self.exchange(raw, fresh)
        except Exception as e:  # noqa: BLE001 - every failure is a figure
            self.record(endpoint, False, f"no answer ({type(e).__name__}: {e})")
            return None
        ok = status == want_status and (want_body is None or body == want_body)
        if ok and want_header is not None:
            ok = headers.get(want_header[0]) == want_header[1]
        self.record(endpoint, ok, f"status {status} body {body[:80]!r}")
        return status

    def raw_exchange(self, raw, read=True):
        """A request on a connection of its own; returns the status, or None."""
        conn = Connection(self.port)
        try:
            conn.sock.sendall(raw)
            if not read:
                return None
            return conn.request(b"")[0]
        except Exception:  # noqa: BLE001
            return None
        finally:
            conn.close()

    def run(self):
        next_at = time.time()
        while time.time() < self.deadline:
            self.rng.choices(self.scenarios, self.weights)[0][1]()
            next_at += self.interval
            pause = next_at - time.time()
            if pause > 0:
                time.sleep(pause)
            else:
                next_at = time.time()
        if self.conn is not None:
            self.conn.close()

    # -- scenarios --

    def shdict(self):
        self.check("shdict", get("/shdict"), want_body=b"ok\n")

    def count(self):
        if self.check("count", get("/count"), want_body=b"ok\n") == 200:
            self.stats["counted"] += 1

    def body(self):
        body, answer = form_body(self.rng)
        if self.rng.random() < 0.3:
            chunks = [body[i:i + 700] for i in range(0, len(body), 700)]
            payload = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
            framing = "Transfer-Encoding: chunked"
        else:
            payload = body
            framing = f"Content-Length: {len(body)}"
        raw = (f"POST /body HTTP/1.1\r\nHost: soak\r\nConnection: keep-alive\r\n"
               f"Content-Type: application/x-www-form-urlencoded\r\n{framing}\r\n\r\n").encode() + payload
        self.check("body", raw, want_body=answer)

    def sleep(self):
        path = "/sleep" if self.rng.random() < 0.5 else "/sleep_abortable"
        self.check(path[1:], get(f"{path}?ms={self.rng.randint(1, 40)}"), want_body=b"slept\n")

    def timer(self):
        self.check("timer", get("/timer"), want_body=b"ok\n")

    def semaphore(self):
        self.check("semaphore", get("/semaphore"), want_body=b"ok\n")

    def threads(self):
        self.check("threads", get("/threads"), want_body=b"30 killed\n")

    def regex(self):
        ident = self.rng.randint(0, 10 ** 6)
        name = "".join(self.rng.choice("abcdefghijklmnopqrstuvwxyz_0123") for _ in range(self.rng.randint(1, 30)))
        uri = f"/regex?id={ident}&name={name}"
        answer = f"{ident} {re.sub('[aeiou]', '_', name)} {uri.index('name=') + 1} " \
                 f"{','.join(re.findall('[a-z]{2}', name))}\n"
        self.check("regex", get(uri), want_body=answer.encode())

    def phases(self):
        arg = self.rng.randint(0, 999)
        self.check("phases", get(f"/phases?a={arg}"), want_body=f"rewrite,access,content {arg} GET\n".encode(),
                   want_header=("x-phases", "rewrite,access"))

    def filter(self):
        self.check("filter", get("/filter.txt"), want_body=FILTER_FILE.upper().encode(),
                   want_header=("x-filtered", "1"))

    def big(self):
        self.check("big", get("/big"), want_body=(b"x" * 8191 + b"\n") * 8)

    def error(self):
        self.check("error", get("/error"), want_status=500)

    def send_and_leave(self, endpoint, raw, linger):
        """Sends `raw` on a connection of its own and closes it within `linger` seconds."""
        conn = Connection(self.port)
        try:
            conn.sock.sendall(raw)
            time.sleep(self.rng.random() * linger)
        except OSError:
            pass
        conn.close()
        self.record(endpoint, True)

    def abort_body(self):
        """Announces a body and leaves after part of it."""
        raw = (b"POST /body HTTP/1.1\r\nHost: soak\r\nContent-Type: application/x-www-form-urlencoded\r\n"
               b"Content-Length: 30000\r\n\r\n" + b"n1=1&" * self.rng.randint(0, 2000))
        self.send_and_leave("abort_body", raw, 0.05)

    def abort_sleep(self):
        path = "/sleep" if self.rng.random() < 0.5 else "/sleep_abortable"
        self.send_and_leave("abort_sleep", get(f"{path}?ms=200"), 0.1)

    def abort_response(self):
        """Reads the start of a large response and leaves."""
        conn = Connection(self.port)
        try:
            conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            conn.sock.sendall(get("/big"))
            conn.sock.recv(1000)
        except OSError:
            pass
        conn.close()
        self.record("abort_response", True)

    def malformed(self):
        cases = [
            b"GET /shdict HTTP/1.1\r\nHost: soak\r\nno colon here\r\n\r\n",
            b"FOO BAR BAZ QUX\r\n\r\n",
            b"GET /shdict HTTP/1.1\r\n\r\n",
            bytes(self.rng.randrange(1, 256) for _ in range(64)) + b"\r\n\r\n",
            b"GET /shdict HTTP/1.1\r\nHost: soak\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n",
            b"GET /shdict HTTP/1.1\r\nHost: soak\r\nX-Long: " + b"h" * 3000 + b"\r\n\r\n",
            b"GET /shdict HTTP/1.1\r\nHost: soak\r\nTransfer-Encoding: gzip\r\n\r\n",
        ]
        raw = self.rng.choice(cases)
        status = self.raw_exchange(raw)
        # nginx closes some of these without an answer (a request line that is not
        # HTTP); anything but a 4xx from it would be wrong.
        self.record("malformed", status is None or status in (400, 501), f"status {status} for {raw[:40]!r}")

    def oversized(self):
        pick = self.rng.randrange(3)
        if pick == 0:
            status = self.raw_exchange(b"POST /body HTTP/1.1\r\nHost: soak\r\nContent-Length: 1000000\r\n\r\n")
            self.record("oversized", status == 413, f"status {status} for a large Content-Length")
        elif pick == 1:
            chunk = b"n=" + b"1" * 9998
            raw = (b"POST /body HTTP/1.1\r\nHost: soak\r\nTransfer-Encoding: chunked\r\n\r\n" +
                   b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(8)) + b"0\r\n\r\n")
            status = self.raw_exchange(raw)
            self.record("oversized", status == 413, f"status {status} for a large chunked body")
        else:
            status = self.raw_exchange(get("/shdict?" + "a" * 3000))
            self.record("oversized", status == 414, f"status {status} for a long URI")


class Proc:
    @staticmethod
    def stat(pid):
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()

    @staticmethod
    def rss_kib(pid):
        with open(f"/proc/{pid}/status") as f:
            m = re.search(r"^VmRSS:\s+(\d+)", f.read(), re.M)
        return int(m.group(1)) if m else 0

    @staticmethod
    def fds(pid):
        return len(os.listdir(f"/proc/{pid}/fd"))

    @staticmethod
    def children(ppid):
        out = []
        for name in os.listdir("/proc"):
            if name.isdigit():
                try:
                    if int(Proc.stat(name)[1]) == ppid:
                        out.append(int(name))
                except (OSError, IndexError):
                    pass
        return out


class Server:
    def __init__(self, peer, module):
        self.prefix = tempfile.mkdtemp(prefix="nlf-soak-")
        for sub in ("conf", "logs", "html", "tmp"):
            os.makedirs(os.path.join(self.prefix, sub))
        os.chmod(self.prefix, 0o755)
        with open(os.path.join(self.prefix, "html", "filter.txt"), "w") as f:
            f.write(FILTER_FILE)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        modules = PEER_MODULES if peer else [module]
        with open(os.path.join(APP, "nginx.conf")) as f:
            conf = f.read()
        conf = (conf.replace("@MODULES@", "\n".join(f"load_module {m};" for m in modules))
                .replace("@USER@", "user root;" if os.getuid() == 0 else "")
                .replace("@LUA_DIR@", APP).replace("@PORT@", str(self.port)))
        with open(os.path.join(self.prefix, "conf", "nginx.conf"), "w") as f:
            f.write(conf)
        self.command = [NGINX, "-p", self.prefix + "/", "-c", "conf/nginx.conf"]
        proc = subprocess.run(self.command, capture_output=True, text=True)
        if proc.returncode != 0:
            log = self.log()
            shutil.rmtree(self.prefix, ignore_errors=True)
            sys.exit(f"soak: nginx did not start: {proc.stderr.strip()}\n{log}")
        deadline = time.time() + 5
        while not os.path.exists(self.pidfile()) and time.time() < deadline:
            time.sleep(0.05)
        self.master = int(open(self.pidfile()).read())

    def pidfile(self):
        return os.path.join(self.prefix, "logs", "nginx.pid")

    def log(self):
        try:
            with open(os.path.join(self.prefix, "logs", "error.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def reload(self):
        proc = subprocess.run(self.command + ["-s", "reload"], capture_output=True, text=True)
        return proc.returncode == 0

    def stop(self):
        os.kill(self.master, signal.SIGQUIT)
        deadline = time.time() + 30
        while os.path.exists(f"/proc/{self.master}") and time.time() < deadline:
            time.sleep(0.1)
        return not os.path.exists(f"/proc/{self.master}")


class Monitor(threading.Thread):
    """Samples the workers every second and reloads every `reload_every` seconds."""

    def __init__(self, server, deadline, reload_every, warmup):
        super().__init__(daemon=True)
        self.server = server
        self.deadline = deadline
        self.reload_every = reload_every
        self.warmup = warmup
        self.generation = 0
        self.started = {0: time.time()}  # generation -> when its reload was sent
        self.generation_of = {}          # worker pid -> generation
        self.samples = collections.defaultdict(list)  # (generation, pid) -> [(age, rss, fds)]
        self.master_samples = []
        self.failed_reloads = 0
        self.first_seen_dead = {}        # generation -> when its last worker was gone
        self.last_seen = {}              # pid -> time

    def run(self):
        next_reload = time.time() + self.reload_every if self.reload_every else float("inf")
        while time.time() < self.deadline:
            now = time.time()
            if now >= next_reload:
                self.generation += 1
                self.started[self.generation] = now
                if not self.server.reload():
                    self.failed_reloads += 1
                next_reload += self.reload_every
            self.sample(now)
            time.sleep(1)

    def sample(self, now):
        try:
            self.master_samples.append((Proc.rss_kib(self.server.master), Proc.fds(self.server.master),
                                        self.generation))
        except OSError:
            pass
        for pid in Proc.children(self.server.master):
            gen = self.generation_of.setdefault(pid, self.generation)
            self.last_seen[pid] = now
            if gen != self.generation:
                continue  # shutting down after a reload
            try:
                self.samples[(gen, pid)].append((now - self.started[gen], Proc.rss_kib(pid), Proc.fds(pid)))
            except OSError:
                pass

    def generations(self):
        """Per generation and worker: RSS and fds after warm-up, first and last."""
        rows = []
        for (gen, pid), samples in sorted(self.samples.items()):
            warm = [s for s in samples if s[0] >= self.warmup] or samples[-1:]
            rows.append((gen, pid, warm[0][1], warm[-1][1], max(s[1] for s in warm), warm[0][2], warm[-1][2],
                         max(s[2] for s in warm)))
        return rows

    def slowest_exit(self):
        """How long the workers of a superseded generation outlived the reload."""
        worst = 0.0
        for pid, gen in self.generation_of.items():
            if gen < self.generation:
                worst = max(worst, self.last_seen[pid] - self.started[gen + 1])
        return worst


def scan_log(text):
    crashes, alerts, unexpected, expected = [], [], [], collections.Counter()
    entries = []
    for line in text.splitlines():
        if ENTRY.match(line) or not entries:
            entries.append(line)
        else:
            entries[-1] += "\n" + line
    for entry in entries:
        m = ENTRY.match(entry)
        level = m.group(1) if m else "?"
        if "exited on signal" in entry or re.search(r"exited with code [1-9]", entry):
            crashes.append(entry)
        elif level in ("alert", "crit", "emerg"):
            alerts.append(entry)
        elif any(p.search(entry) for p in EXPECTED_LOG):
            expected[next(p.pattern for p in EXPECTED_LOG if p.search(entry))] += 1
        elif level in ("error", "warn"):
            unexpected.append(entry)
    return crashes, alerts, unexpected, expected


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--module", default=os.path.join(ROOT, "build", "ngx_http_lua_ffi_module.so"))
    parser.add_argument("--peer", action="store_true", help="Debian's OpenResty stack instead")
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", 600)))
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--rate", type=float, default=400, help="requests per second, all clients together")
    parser.add_argument("--reload-every", type=float, default=10, help="seconds; 0: never")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of a generation before its first sample")
    args = parser.parse_args()

    stack = "peer (Debian OpenResty 0.10.23)" if args.peer else "nginx-lua-ffi"
    server = Server(args.peer, args.module)
    print(f"soak: {stack}, {args.seconds:.0f} s, {args.clients} clients at up to {args.rate:.0f} rps, "
          f"reload every {args.reload_every:.0f} s, prefix {server.prefix}", flush=True)
    start = time.time()
    deadline = start + args.seconds
    monitor = Monitor(server, deadline, args.reload_every, args.warmup)
    monitor.start()
    stats = []
    clients = []
    for i in range(args.clients):
        s = {"requests": collections.Counter(), "unexpected": collections.Counter(), "examples": [],
             "counted": 0, "retries": 0}
        stats.append(s)
        clients.append(Client(server.port, 1000 + i, deadline, args.clients / args.rate, s))
    for c in clients:
        c.start()
    for c in clients:
        c.join()
    elapsed = time.time() - start
    monitor.join()

    # The counter once the last requests have ended (a timer's run may still be due).
    time.sleep(0.5)
    try:
        conn = Connection(server.port)
        status, _, body, _ = conn.request(get("/count_value", keep_alive=False))
        conn.close()
        server_count = int(body) if status == 200 else None
    except Exception:  # noqa: BLE001
        server_count = None
    stopped = server.stop()
    log = server.log()
    crashes, alerts, unexpected_log, expected_log = scan_log(log)

    requests = collections.Counter()
    unexpected = collections.Counter()
    examples = []
    for s in stats:
        requests.update(s["requests"])
        unexpected.update(s["unexpected"])
        examples += s["examples"]
    counted = sum(s["counted"] for s in stats)
    retries = sum(s["retries"] for s in stats)
    total = sum(requests.values())
    lost = None if server_count is None else counted - server_count

    print("\nrequests per endpoint (unexpected answers):")
    print("  " + ", ".join(f"{k} {v} ({unexpected[k]})" for k, v in sorted(requests.items())))
    print(f"kept-alive connections closed by the server before a request (retried): {retries}")
    print(f"expected error-log entries: {dict(expected_log) or 'none'}")
    for title, items in (("crashes", crashes), ("alerts", alerts), ("unexpected log entries", unexpected_log),
                         ("unexpected answers", examples)):
        if items:
            print(f"{title} ({len(items)}), first ones:")
            for item in items[:10]:
                print("  " + item.replace("\n", "\n    ")[:600])

    rows = monitor.generations()
    print("\nworkers per generation after warm-up (gen pid: RSS KiB first->last (max), fds first->last (max)):")
    for gen, pid, r0, r1, rmax, f0, f1, fmax in rows:
        print(f"  {gen:3d} {pid}: {r0}->{r1} ({rmax}), {f0}->{f1} ({fmax})")
    for (gen, pid), samples in sorted(monitor.samples.items()):
        if samples[-1][0] >= 120:  # a long generation: its RSS minute by minute
            print(f"  {gen:3d} {pid} RSS KiB per minute: "
                  + " ".join(str(rss) for age, rss, _ in samples if int(age) % 60 == 0))
    growth = max((r1 - r0 for _, _, r0, r1, *_ in rows), default=0)
    fd_growth = max((f1 - f0 for *_, f0, f1, _ in rows), default=0)
    firsts = [r for r in rows if r[0] == rows[0][0]] if rows else []
    lasts = [r for r in rows if r[0] == rows[-1][0]] if rows else []
    master = monitor.master_samples
    # At the start, at the end of the first generation after a reload, and at the end.
    master_rss = ([m[0] for m in master[:1]] + [m[0] for m in master if m[2] == 1][-1:]
                  + [m[0] for m in master[-1:]])

    def span(group, a, b):
        return "/".join(f"{r[a]}->{r[b]}" for r in group) or "-"

    ok = (not crashes and not alerts and not unexpected_log and not unexpected and lost == 0 and stopped
          and monitor.failed_reloads == 0)
    print(f"\nsoak {'ok' if ok else 'FAILED'}: {stack}: {total} requests in {elapsed:.0f} s ({total / elapsed:.0f} rps); "
          f"unexpected answers: {', '.join(f'{k} {v}' for k, v in sorted(unexpected.items())) or 'none'}; "
          f"crashes {len(crashes)}, alerts {len(alerts)}, unexpected log entries {len(unexpected_log)}; "
          f"{monitor.generation} reloads ({monitor.failed_reloads} failed), old workers gone within "
          f"{monitor.slowest_exit():.0f} s; RSS KiB gen {rows[0][0] if rows else '-'} {span(firsts, 2, 3)}, "
          f"gen {rows[-1][0] if rows else '-'} {span(lasts, 2, 3)}, largest growth in a generation {growth}; "
          f"fds gen first {span(firsts, 5, 6)}, last {span(lasts, 5, 6)}, largest growth {fd_growth}; "
          f"master RSS {'->'.join(str(r) for r in master_rss)}, "
          f"fds {master[0][1] if master else '-'}->{master[-1][1] if master else '-'}; "
          f"lost updates {lost if lost is not None else 'unknown'} (client {counted}, server {server_count})"
          f"{'' if stopped else '; nginx did not stop within 30 s'}")
    if ok:
        shutil.rmtree(server.prefix, ignore_errors=True)
    else:
        print(f"soak: the server's prefix (logs) is kept in {server.prefix}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
