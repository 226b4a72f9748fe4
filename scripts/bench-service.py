#!/usr/bin/env python3
"""Service figures for `feedwatch run` with many feeds.

Serves FEEDS generated RSS feeds (20 items each) from a loopback HTTP server, then:
  1. fresh state: time from spawn to READY=1 (migrations, config load, syncing the feed
     list), the first full cycle's duration, resident memory after it, time to exit on SIGTERM;
  2. restart on the same state (nothing due): time to READY=1 and idle resident memory.

Usage: scripts/bench-service.py [--binary .build/release/feedwatch] [--feeds 1000]
READY is observed on a real AF_UNIX datagram socket passed as NOTIFY_SOCKET, as systemd would.
"""
import argparse
import http.server
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ITEMS = 20


def feed_xml(number):
    items = []
    for i in range(ITEMS):
        topic = "ballistic missile test" if i % 5 == 0 else ("new sanctions" if i % 7 == 0 else "weather report")
        items.append(
            f"<item><guid>f{number}-{i}</guid><title>Feed {number} item {i}: {topic}</title>"
            f"<link>http://example.org/{number}/{i}</link><description>Text of item {i} about {topic}, "
            f"with a few more words to look like a real summary of a news article.</description></item>")
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {number}</title>'
            f'<link>http://example.org/{number}</link>{"".join(items)}</channel></rss>').encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        try:
            number = int(self.path.strip("/").split(".")[0].removeprefix("feed"))
        except ValueError:
            self.send_error(404)
            return
        body = feed_xml(number)
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def wait_ready(sock, deadline):
    while time.monotonic() < deadline:
        try:
            data = sock.recv(4096).decode()
        except socket.timeout:
            continue
        if "READY=1" in data.split("\n"):
            return True
    return False


def run(binary, config, workdir, label, wait_for_cycle, term_after=None):
    sock_path = os.path.join(workdir, f"notify-{label}.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    sock.settimeout(0.2)
    log_path = os.path.join(workdir, f"{label}.log")
    env = dict(os.environ, NOTIFY_SOCKET=sock_path)
    for key in ("WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM"):
        env.pop(key, None)
    with open(log_path, "w") as log:
        start = time.monotonic()
        proc = subprocess.Popen([binary, "run", "--config", config], stdout=log, stderr=log, env=env,
                                restore_signals=True)
    figures = {}
    try:
        if not wait_ready(sock, start + 300):
            raise SystemExit(f"{label}: no READY=1 within 300 s; see {log_path}")
        figures["ready_s"] = time.monotonic() - start
        figures["rss_at_ready_mib"] = rss_kib(proc.pid) / 1024
        if term_after is not None:
            time.sleep(term_after)
            figures["rss_mid_cycle_mib"] = rss_kib(proc.pid) / 1024
        elif wait_for_cycle:
            cycle_start = time.monotonic()
            while time.monotonic() < cycle_start + 600:
                with open(log_path) as log:
                    if "cycle finished" in log.read():
                        break
                time.sleep(0.1)
            else:
                raise SystemExit(f"{label}: no cycle finished within 600 s; see {log_path}")
            figures["cycle_s"] = time.monotonic() - cycle_start
            time.sleep(1)
            figures["rss_after_cycle_mib"] = rss_kib(proc.pid) / 1024
        else:
            time.sleep(5)
            figures["idle_rss_mib"] = rss_kib(proc.pid) / 1024
        stop = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        figures["exit_status"] = proc.wait(timeout=30)
        figures["stop_s"] = time.monotonic() - stop
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        sock.close()
    with open(log_path) as log:
        cycle_lines = [line.strip() for line in log if "cycle finished" in line]
    if cycle_lines:
        figures["cycle_log"] = cycle_lines[0]
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=".build/release/feedwatch")
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        raise SystemExit(f"{binary} is not built (make release, or pass --binary)")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()

    workdir = tempfile.mkdtemp(prefix="fw-bench-")
    try:
        config = os.path.join(workdir, "feedwatch.toml")
        with open(config, "w") as out:
            out.write(f'[storage]\nstate_directory = "{workdir}/state"\n\n')
            # All feeds sit on one loopback host: lift the per-host limit to the global one.
            out.write(f"[fetch]\nconcurrency = {args.concurrency}\nper_host_concurrency = {min(args.concurrency, 64)}\n\n")
            for number in range(args.feeds):
                out.write(f'[[feed]]\nurl = "http://127.0.0.1:{port}/feed{number}.xml"\n\n')
            out.write("[[topic]]\nid = \"missile-tests\"\nname = \"Missile tests\"\nquery = '\"ballistic missile\" OR missile NEAR/3 test'\n\n")
            out.write("[[topic]]\nid = \"sanctions\"\nname = \"Sanctions\"\nquery = 'sanction*'\n")
        first = run(binary, config, workdir, "fresh", wait_for_cycle=True)
        second = run(binary, config, workdir, "restart", wait_for_cycle=False)
        # Fresh state once more, stopped 1 s into its first cycle: how long a stop takes
        # with transfers running.
        shutil.rmtree(os.path.join(workdir, "state"))
        third = run(binary, config, workdir, "stop-mid-cycle", wait_for_cycle=False, term_after=1.0)
    finally:
        server.shutdown()
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"binary: {binary}")
    print(f"feeds: {args.feeds} x {ITEMS} items, concurrency {args.concurrency}, one loopback host")
    print(f"fresh start → READY=1:          {first['ready_s']:.2f} s  (RSS {first['rss_at_ready_mib']:.1f} MiB)")
    print(f"first cycle of {args.feeds} feeds:       {first['cycle_s']:.2f} s  ({first.get('cycle_log', '')})")
    print(f"RSS after the cycle:            {first['rss_after_cycle_mib']:.1f} MiB")
    print(f"SIGTERM → exit {first['exit_status']}:              {first['stop_s']:.2f} s")
    print(f"restart (nothing due) → READY=1: {second['ready_s']:.2f} s")
    print(f"idle RSS (5 s after READY):     {second['idle_rss_mib']:.1f} MiB")
    print(f"SIGTERM → exit {second['exit_status']}:              {second['stop_s']:.2f} s")
    print(f"SIGTERM 1 s into a fresh cycle → exit {third['exit_status']}: {third['stop_s']:.2f} s (RSS then {third['rss_mid_cycle_mib']:.1f} MiB)")
    print(f"  its cycle: {third.get('cycle_log', 'no cycle line')}")
    return 0 if first["exit_status"] == 0 and second["exit_status"] == 0 and third["exit_status"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
