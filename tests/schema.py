#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Validate memcgctl -j output against schema/NAME.schema.json.

usage: tests/schema.py [--or-error] NAME [FILE]

Reads FILE (or stdin): one JSON document, or one per line (streams).
Every document must validate against schema/NAME.schema.json (with
--or-error, an object with an "error" member against error.schema.json
and {"help": ...} against help.schema.json instead: a command that failed
or was asked for its help under -j), with $ref
resolved between the files of schema/ (nothing is fetched), and must keep
the vocabulary's rules the schema language cannot say (memcgctl(8), JSON
OUTPUT): no -1/~0 sentinels, no size without _bytes, no old name.
An empty input is an error: a check on nothing proves nothing.
Prints one line per problem; exit 0 when all is well, 1 when not, 2 on
usage errors.
"""
import json
import os
import sys

import jsonschema

try:
    from referencing import Registry, Resource
except ImportError:     # jsonschema before 4.18 (Debian 12 has 4.10): its RefResolver
    Registry = Resource = None

SCHEMA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "schema")
# ~0 and ~0 - 1 (CG_UNKNOWN, CG_NOLIMIT, NOTIFY_NOLIMIT, POLICY_NOLIMIT) as numbers;
# no real value memcgctl prints comes near 2^63
SENTINELS = {2**64 - 1, 2**64 - 2, 2**63 - 1}
# names the vocabulary replaced: they must not come back anywhere
RETIRED = {"id", "usage", "limit", "type", "binding_limit", "oom_kill", "limit_hits",
           "threshold", "timestamp", "reclaimed", "requested"}


def schemas():
    """Every schema of schema/ by file name (each one's $id is its name)."""
    out = {}
    for name in sorted(os.listdir(SCHEMA_DIR)):
        if name.endswith(".schema.json"):
            with open(os.path.join(SCHEMA_DIR, name)) as f:
                out[name] = json.load(f)
    return out


def validator(cls, schema, store):
    """cls for schema, its $refs resolved within store and nothing fetched."""
    if Registry is not None:
        reg = Registry().with_resources(
            (name, Resource.from_contents(doc)) for name, doc in store.items())
        return cls(schema, registry=reg)
    return cls(schema, resolver=jsonschema.RefResolver.from_schema(schema, store=store))


def vocab(doc, where, problems, in_free_map=False):
    """The rules of the vocabulary a schema cannot state once for all."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            path = f"{where}.{k}"
            # the values of maps keyed by kernel or user names are theirs
            free = k in ("stat", "parameters", "counters", "tracepoint", "system", "kfunc",
                         "program", "map", "helper", "struct_ops", "events", "commands")
            if not in_free_map and k in RETIRED:
                problems.append(f"{path}: '{k}' is a retired name (see memcgctl(8) JSON OUTPUT)")
            if not in_free_map and k.endswith("_bytes") and not (
                    v is None or (isinstance(v, int) and not isinstance(v, bool) and v >= 0)):
                problems.append(f"{path}: a size is an integer number of bytes or null, not {v!r}")
            vocab(v, path, problems, free)
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            vocab(v, f"{where}[{i}]", problems, in_free_map)
    elif isinstance(doc, (int, float)) and not isinstance(doc, bool):
        # jq and other readers turn ~0 into a float that is no longer equal to it
        if doc in SENTINELS or doc == -1 or doc >= 2**63 - 1:
            problems.append(f"{where}: {doc} looks like a sentinel; unknown is null")


def main():
    args = sys.argv[1:]
    or_error = bool(args) and args[0] == "--or-error"
    if or_error:
        args = args[1:]
    if len(args) not in (1, 2):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    name = args[0]
    path = os.path.join(SCHEMA_DIR, name + ".schema.json")
    if not os.path.exists(path):
        print(f"schema.py: no schema '{name}' in {SCHEMA_DIR}", file=sys.stderr)
        return 2
    with open(path) as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    store = schemas()
    main_v = validator(cls, schema, store)
    side = {other: validator(cls, store[other + ".schema.json"], store)
            for other in ("error", "help")}
    src = open(args[1]) if len(args) == 2 else sys.stdin
    text = src.read()
    try:
        docs = [json.loads(text)]
    except json.JSONDecodeError:
        docs = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                docs.append(json.loads(line))
            except json.JSONDecodeError as e:
                print(f"{name}: line {n}: not JSON: {e}")
                return 1
    if not docs or (len(docs) == 1 and not text.strip()):
        print(f"{name}: no JSON document to validate")
        return 1
    problems = []
    for n, doc in enumerate(docs, 1):
        where = f"doc {n}" if len(docs) > 1 else "doc"
        v = main_v
        # {"error": ..., "hint": ...} alone; a record may have an "error" field of its own
        if or_error and isinstance(doc, dict) and "error" in doc and set(doc) <= {"error", "hint"}:
            v = side["error"]
        elif or_error and isinstance(doc, dict) and list(doc) == ["help"]:
            v = side["help"]
        for err in sorted(v.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path]):
            loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.absolute_path)
            problems.append(f"{where}{loc}: {err.message}"[:400])
        vocab(doc, where, problems)
    for p in problems:
        print(f"{name}: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
