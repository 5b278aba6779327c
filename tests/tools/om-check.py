#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Check an OpenMetrics 1.0 exposition on stdin: prometheus_client's strict
OpenMetrics parser (metadata before samples, families once, counters with
_total samples, UNIT a suffix of the name, label escapes, # EOF last and
nothing after it), then what the parser leaves to the producer: no series
twice (as written: memcgctl writes labels in one order), every family with a HELP, and a UNIT on every family named after
one.  Prints the first problem and exits 1; exits 0 when valid."""
import sys

try:
    from prometheus_client.openmetrics.parser import text_string_to_metric_families
except ImportError:
    print("om-check: python3-prometheus-client is not installed", file=sys.stderr)
    sys.exit(4)

raw = sys.stdin.buffer.read()
try:
    text = raw.decode("utf-8", errors="strict")
except UnicodeDecodeError as e:
    print(f"om-check: not UTF-8: {e}")
    sys.exit(1)
if not text.endswith("# EOF\n") and text.rstrip("\n").splitlines()[-1:] != ["# EOF"]:
    print("om-check: the exposition does not end with # EOF")
    sys.exit(1)
try:
    families = list(text_string_to_metric_families(text))
except Exception as e:  # the parser raises ValueError and friends
    print(f"om-check: parse error: {e}")
    sys.exit(1)
lines = [l for l in text.splitlines() if l and not l.startswith("#")]
keys = [l.rsplit(" ", 1)[0] for l in lines]
if len(set(keys)) != len(keys):
    dup = next(k for k in keys if keys.count(k) > 1)
    print(f"om-check: series twice: {dup}")
    sys.exit(1)
seen = set()
for f in families:
    if not f.documentation:
        print(f"om-check: {f.name}: no HELP")
        sys.exit(1)
    for u in ("bytes", "seconds", "ratio"):
        if f.name.endswith("_" + u) and f.unit != u:
            print(f"om-check: {f.name}: named in {u} but no '# UNIT {f.name} {u}'")
            sys.exit(1)
    for s in f.samples:
        if f.type == "counter" and not s.name.endswith(("_total", "_created")):
            print(f"om-check: counter {f.name}: sample {s.name}")
            sys.exit(1)
        seen.add((s.name, tuple(sorted(s.labels.items()))))
print(f"om-check: ok, {len(families)} families, {len(seen)} series")
