#!/usr/bin/env python3
"""Anticipation end to end (stdlib only): drives a running `kairos serve` for bench/anticipation_e2e.sh.

Seeds customers with location + travel consent over the API, stores the pickup history of a
sample of them, loads the airport rules, then per run: (a) context events over HTTP in batches
of 1000 from several connections, (b) the same kind of stream over MQTT (QoS 1, a minimal MQTT
3.1.1 publisher below) until /metrics counts them stored, (c) detection latency: one completing
Wi-Fi login per sample customer over HTTP, timed until its `anticipation.fired` event arrives on
the held-open `/api/v1/events/stream`. Prints one JSON object per run on stdout.
"""
import argparse
import datetime
import http.client
import json
import os
import random
import socket
import statistics
import struct
import sys
import threading
import time

AIRPORTS = ["FRA", "MUC", "BER", "HAM", "DUS", "CGN", "STR", "LEJ", "NUE", "HAJ",
            "BRE", "DRS", "FMO", "PAD", "SCN", "DTM", "FDH", "KSF", "ERF", "RLG"]
DESTS = ["JFK", "LHR", "CDG", "MAD", "ORD", "IST", "DXB", "SIN", "BOS", "VIE"]
VENUES = [("airport", AIRPORTS), ("mall", ["ZEIL", "MYZEIL", "ALEXA", "PEP"]),
          ("station", ["FFM-HBF", "MUC-HBF", "BER-HBF"]), ("stadium", ["ARENA", "PARK"])]
FIRED = "anticipation.fired"


def log(msg):
    print(f"[anticipation-e2e {time.strftime('%H:%M:%S', time.gmtime())}] {msg}", file=sys.stderr, flush=True)


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(round(p / 100 * len(xs) + 0.5)) - 1))] if xs else None


class Api:
    """One keep-alive connection to the server."""

    def __init__(self, port, token):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(self, method, path, body=None, expect=(200, 201)):
        data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        self.conn.request(method, path, body=data, headers=self.headers)
        r = self.conn.getresponse()
        raw = r.read()
        if r.status not in expect:
            raise RuntimeError(f"{method} {path}: {r.status} {raw[:300]!r}")
        return json.loads(raw) if raw else None


def in_threads(n, work):
    """Runs work(i) on n threads; re-raises the first failure."""
    errors = []

    def wrap(i):
        try:
            work(i)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
    ts = [threading.Thread(target=wrap, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise errors[0]


def email(i):
    return f"c{i}@bench.example"


def seed_customers(args, n):
    ids = [None] * n
    consent = lambda p: {"purpose": p, "action": "grant", "data_categories": ["location"],
                         "method": "api", "notice_version": "bench-1"}

    def work(t):
        api = Api(args.port, args.token)
        for i in range(t, n, args.connections):
            c = api.call("POST", "/api/v1/customers",
                         {"display_name": f"Customer {i}", "identities": [{"kind": "email", "value": email(i)}]})
            for purpose in ("location", "travel"):
                api.call("POST", f"/api/v1/customers/{c['id']}/consents", consent(purpose))
            ids[i] = c["id"]
    in_threads(args.connections, work)
    return ids


def post_events(api, events):
    for k in range(0, len(events), 1000):
        r = api.call("POST", "/api/v1/context-events", {"events": events[k:k + 1000]})
        if r["accepted"] != len(events[k:k + 1000]):
            bad = [x for x in r["results"] if x["status"] != "accepted"][:3]
            raise RuntimeError(f"not all accepted: {bad}")


def flight(a, b):
    """A stable flight number per pair of places."""
    return f"LH{sum(map(ord, a + b)) * 7 % 900 + 100}"


def airport_of(i):
    return AIRPORTS[i % len(AIRPORTS)], DESTS[(i // len(AIRPORTS)) % len(DESTS)], str(1 + i % 2)


def seed_history(api, samples, now):
    """Two weeks ago each sample customer was at an airport shortly before a flight left from
    their terminal (the look-back part of the pickup pattern)."""
    base = now - 14 * 86400
    events, departures = [], set()
    for i in samples:
        ap, dest, term = airport_of(i)
        events.append({"id": f"hist-{i}", "subject": {"kind": "email", "value": email(i)},
                       "type": "presence.wifi", "time": iso(base), "place": ap,
                       "attributes": {"venue": "airport", "terminal": term}})
        departures.add((ap, dest, term))
    for ap, dest, term in sorted(departures):
        events.append({"id": f"dep-{ap}-{dest}-{term}", "subject": {"feed": "flights"},
                       "type": "flight.departed", "time": iso(base + 1800), "place": ap,
                       "attributes": {"number": flight(ap, dest),
                                      "destination": dest, "terminal": term}})
    post_events(api, events)
    return departures


def stream_events(rng, prefix, count, others, now):
    """The background stream: venue logins and leaves of customers without pickup history,
    and 1 in 50 a flight-status update (which upserts the arrivals table)."""
    out = []
    for k in range(count):
        if k % 50 == 49:
            ap = rng.choice(AIRPORTS)
            out.append({"id": f"{prefix}-{k}", "subject": {"feed": "flights"}, "type": "flight.status",
                        "time": iso(now), "place": ap,
                        "attributes": {"direction": "arrival", "number": f"XX{k % 1000}",
                                       "origin": f"O{k % 97}", "scheduled": iso(now + 3600),
                                       "estimated": iso(now + 3600), "gate": "C1", "status": "on-time"}})
            continue
        i = rng.choice(others)
        venue, places = rng.choice(VENUES)
        kind = "presence.left" if k % 4 == 3 else "presence.wifi"
        out.append({"id": f"{prefix}-{k}", "subject": {"kind": "email", "value": email(i)}, "type": kind,
                    "time": iso(now), "place": rng.choice(places),
                    "attributes": {"venue": venue, "terminal": str(1 + k % 2)}})
    return out


def accepted_total(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/metrics")
    text = c.getresponse().read().decode()
    c.close()
    return sum(float(l.rsplit(" ", 1)[1]) for l in text.splitlines()
               if l.startswith("kairos_context_events_accepted_total"))


def engine_events(api):
    """Events the tenant's engine has been handed so far (`stats.events` of its status). The
    status request queues behind every event already handed to the engine, so its answer
    also means those have been matched."""
    return api.call("GET", "/api/v1/anticipation/status")["stats"]["events"]


def wait_matched(api, base, n, t0, deadline_s=300):
    """Seconds from t0 until the engine has been handed `n` more events than `base`."""
    deadline = time.perf_counter() + deadline_s
    while True:
        done = engine_events(api) - base
        if done >= n:
            return time.perf_counter() - t0
        if time.perf_counter() > deadline:
            raise RuntimeError(f"engine: {done} of {n} events matched within {deadline_s} s")
        time.sleep(0.02)


def http_phase(args, api, events):
    bodies = [json.dumps({"events": events[k:k + 1000]}).encode() for k in range(0, len(events), 1000)]
    lat, accepted = [], [0]
    lock = threading.Lock()

    def work(t):
        api = Api(args.port, args.token)
        for b in bodies[t::args.connections]:
            t0 = time.perf_counter()
            r = api.call("POST", "/api/v1/context-events", b)
            dt = time.perf_counter() - t0
            with lock:
                lat.append(dt * 1000)
                accepted[0] += r["accepted"]
    engine_base = engine_events(api)
    t0 = time.perf_counter()
    in_threads(args.connections, work)
    wall = time.perf_counter() - t0
    if accepted[0] != len(events):
        raise RuntimeError(f"HTTP: {accepted[0]} of {len(events)} accepted")
    matched = wait_matched(api, engine_base, len(events), t0)
    return {"http_events_per_s": len(events) / wall, "http_matched_events_per_s": len(events) / matched,
            "http_batch_p50_ms": pct(lat, 50), "http_batch_p99_ms": pct(lat, 99), "http_s": wall,
            "http_matched_s": matched}


class Mqtt:
    """A minimal MQTT 3.1.1 publisher (QoS 1, a bounded window of unacknowledged messages)."""

    def __init__(self, host, port, client_id, window=64):
        self.sock = socket.create_connection((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        cid = client_id.encode()
        # Clean session, keep-alive 0 (off): the driver sends no PINGREQ while it waits.
        var = b"\x00\x04MQTT\x04\x02\x00\x00" + struct.pack(">H", len(cid)) + cid
        self.sock.sendall(b"\x10" + self._len(len(var)) + var)
        if self._recv(4) != b"\x20\x02\x00\x00":
            raise RuntimeError("MQTT: no CONNACK")
        self.window = threading.Semaphore(window)
        self.acked, self.next_id = 0, 0
        self.reader = threading.Thread(target=self._read_acks, daemon=True)
        self.reader.start()

    @staticmethod
    def _len(n):
        out = b""
        while True:
            d, n = n % 128, n // 128
            out += bytes([d | (0x80 if n else 0)])
            if not n:
                return out

    def _recv(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise RuntimeError("MQTT: connection closed")
            buf += chunk
        return buf

    def _read_acks(self):
        try:
            while True:
                head = self._recv(2)
                body = self._recv(head[1])
                if head[0] >> 4 == 4:  # PUBACK
                    self.acked += 1
                    self.window.release()
                del body
        except (RuntimeError, OSError):
            return

    def publish(self, topic, payload):
        self.window.acquire()
        self.next_id = self.next_id % 65535 + 1
        t = topic.encode()
        var = struct.pack(">H", len(t)) + t + struct.pack(">H", self.next_id)
        self.sock.sendall(b"\x32" + self._len(len(var) + len(payload)) + var + payload)

    def close(self):
        try:
            self.sock.sendall(b"\xe0\x00")  # DISCONNECT
        except OSError:
            pass  # the broker closed first (e.g. keep-alive); nothing left to say
        self.sock.close()


def mqtt_phase(args, api, events, run):
    per = args.mqtt_batch
    payloads = [json.dumps({"events": events[k:k + per]}).encode() for k in range(0, len(events), per)]
    base = accepted_total(args.port)
    engine_base = engine_events(api)
    client = Mqtt(args.mqtt_host, args.mqtt_port, f"{args.topic_prefix}-pub-{run}")
    t0 = time.perf_counter()
    for p in payloads:
        client.publish(args.topic, p)
    deadline = time.perf_counter() + 300
    while client.acked < len(payloads) and time.perf_counter() < deadline:
        time.sleep(0.01)
    acked = time.perf_counter() - t0
    stored = 0
    while time.perf_counter() < deadline:
        stored = accepted_total(args.port) - base
        if stored >= len(events):
            break
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    client.close()
    if stored < len(events):
        raise RuntimeError(f"MQTT: {stored} of {len(events)} stored within 300 s")
    matched = wait_matched(api, engine_base, len(events), t0)
    return {"mqtt_events_per_s": len(events) / wall, "mqtt_matched_events_per_s": len(events) / matched,
            "mqtt_acked_s": acked, "mqtt_s": wall, "mqtt_matched_s": matched}


def wait_subscribed(args):
    """The server subscribes in the background: probe until a message gets stored."""
    client = Mqtt(args.mqtt_host, args.mqtt_port, f"{args.topic_prefix}-probe")
    for k in range(100):
        base = accepted_total(args.port)
        probe = {"id": f"probe-{k}", "subject": {"feed": "flights"}, "type": "flight.status",
                 "time": iso(time.time()), "place": "PROBE", "attributes": {"direction": "probe"}}
        client.publish(args.topic, json.dumps(probe).encode())
        time.sleep(0.2)
        if accepted_total(args.port) > base:
            client.close()
            return
    raise RuntimeError("the MQTT source never stored a message")


class FiredWatch:
    """Holds /api/v1/events/stream open and notes when each customer's first firing arrives."""

    def __init__(self, port, token, after):
        self.seen, self.cond = {}, threading.Condition()
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
        self.conn.request("GET", f"/api/v1/events/stream?after={after}",
                          headers={"Authorization": f"Bearer {token}", "Accept": "text/event-stream"})
        self.resp = self.conn.getresponse()
        if self.resp.status != 200:
            raise RuntimeError(f"event stream: {self.resp.status}")
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        kind = None
        try:
            for raw in iter(self.resp.readline, b""):
                line = raw.decode().rstrip("\r\n")
                if line.startswith("event:"):
                    kind = line[6:].strip()
                elif line.startswith("data:") and kind == FIRED:
                    now = time.perf_counter()
                    cid = json.loads(line[5:])["data"]["customer_id"]
                    with self.cond:
                        self.seen.setdefault(cid, now)
                        self.cond.notify_all()
        except (OSError, ValueError, http.client.HTTPException):
            return

    def wait(self, cid, timeout):
        with self.cond:
            self.cond.wait_for(lambda: cid in self.seen, timeout)
            return self.seen.get(cid)


def detection_phase(args, api, watch, departures, samples, ids):
    now = time.time()
    rows = [{"id": f"arr-{now:.0f}-{ap}-{dest}", "subject": {"feed": "flights"}, "type": "flight.status",
             "time": iso(now), "place": ap,
             "attributes": {"direction": "arrival", "number": flight(dest, ap),
                            "origin": dest, "scheduled": iso(now + 3600), "estimated": iso(now + 3600),
                            "gate": "B44", "status": "on-time"}}
            for ap, dest in sorted({(a, d) for a, d, _ in departures})]
    base = engine_events(api)
    post_events(api, rows)
    wait_matched(api, base, len(rows), time.perf_counter())  # the table has them
    lat, missed = [], 0
    for i in samples:
        ap, _, term = airport_of(i)
        ev = {"id": f"pickup-{i}", "subject": {"kind": "email", "value": email(i)}, "type": "presence.wifi",
              "time": iso(time.time()), "place": ap, "attributes": {"venue": "airport", "terminal": term}}
        body = json.dumps(ev).encode()
        t0 = time.perf_counter()
        api.call("POST", "/api/v1/context-events", body)
        seen = watch.wait(ids[i], 10)
        if seen is None:
            missed += 1
        else:
            lat.append((seen - t0) * 1000)
        time.sleep(0.02)
    return {"detection_p50_ms": pct(lat, 50), "detection_p99_ms": pct(lat, 99),
            "detection_max_ms": max(lat) if lat else None, "detection_samples": len(lat),
            "detection_missed": missed}


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return None


def loadavg():
    """The machine's 1-minute load average: others' builds share the cores."""
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--server-pid", type=int, required=True)
    p.add_argument("--rules", required=True)
    p.add_argument("--customers", type=int, default=10000)
    p.add_argument("--sample-every", type=int, default=25)
    p.add_argument("--events", type=int, default=50000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--connections", type=int, default=4)
    p.add_argument("--mqtt-host", default="127.0.0.1")
    p.add_argument("--mqtt-port", type=int, default=1883)
    p.add_argument("--mqtt-batch", type=int, default=200)
    p.add_argument("--topic", required=True)
    p.add_argument("--topic-prefix", required=True)
    args = p.parse_args()
    rng = random.Random(7)

    t0 = time.perf_counter()
    ids = seed_customers(args, args.customers)
    log(f"{args.customers} customers with consent in {time.perf_counter() - t0:.1f} s")
    api = Api(args.port, args.token)
    samples = [i for i in range(args.customers) if i % args.sample_every == 0]
    others = [i for i in range(args.customers) if i % args.sample_every != 0]
    departures = seed_history(api, samples, time.time())
    # The shipped rules without their quiet hours (they would hold the messages at night).
    rules = "".join(l + "\n" for l in open(args.rules).read().splitlines() if not l.startswith("quiet hours"))
    api.call("PUT", "/api/v1/anticipation/rules", {"enabled": True, "rules": rules})
    last = api.call("GET", "/api/v1/events?after=0&limit=1000")
    after = 0
    while last["items"]:
        after = last["items"][-1]["seq"]
        last = api.call("GET", f"/api/v1/events?after={after}&limit=1000")
    watch = FiredWatch(args.port, args.token, after)
    wait_subscribed(args)
    log(f"history of {len(samples)} sample customers stored, rules loaded ({time.perf_counter() - t0:.1f} s)")

    for run in range(args.runs):
        out = {"run": run + 1, "customers": args.customers, "events": args.events,
               "loadavg_before": loadavg()}
        stats0 = api.call("GET", "/api/v1/anticipation/status")["stats"]
        now = time.time()
        out.update(http_phase(args, api, stream_events(rng, f"h{run}", args.events, others, now)))
        out.update(mqtt_phase(args, api, stream_events(rng, f"m{run}", args.events, others, time.time()), run))
        out.update(detection_phase(args, api, watch, departures, samples[run::args.runs], ids))
        status = api.call("GET", "/api/v1/anticipation/status")
        stats1 = status["stats"]
        # What the server keeps in memory for the engine (explains most of the RSS growth):
        # stored events cached for look-back, and the engine's own state.
        out["engine_cached_events"] = status["cached_events"]
        out["engine_state_bytes"] = status["state"]["bytes"]
        # What the engine did with the run's events: a sanity check that they were matched
        # (airport logins start the pickup rule; most end in a history miss), not dropped as late.
        for k in ("events", "late", "duplicates", "runs_started", "history_misses", "firings"):
            out[f"engine_{k}"] = stats1[k] - stats0[k]
        if out["engine_late"] or out["engine_duplicates"]:
            raise RuntimeError(f"the engine skipped events as late or duplicate: {out}")
        out["rss_mb_after"] = rss_mb(args.server_pid)
        out["loadavg_after"] = loadavg()
        log(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}))
        print(json.dumps(out), flush=True)
    os._exit(0)  # the event-stream reader is still blocked on its socket


if __name__ == "__main__":
    main()
