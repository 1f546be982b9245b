#!/usr/bin/env python3
"""A small, strict parser of InfluxDB line protocol (for the tests).

    lineproto.py [-b] [-u] < LINES

As a module:

    parse_line(line) -> (measurement, tags, fields, timestamp)
    parse_line_types(line) -> (measurement, tags, fields, types, timestamp)

tags is a dict of str; fields a dict of int (integer "1i", unsigned
"1u"), float, bool or str; types says which, per field key ("integer",
"unsigned", "float", "boolean", "string"); timestamp an int or None.  A
malformed line raises LineProtocolError (a ValueError) saying where.

As a command: one JSON object per input line on stdout,
{"measurement", "tags", "fields", "types", "timestamp"}; on the first
malformed line, "lineproto: line N: why" on stderr and exit 1.  With -b,
empty lines and comments (#...) are skipped, as InfluxDB does; without
it they are errors.  With -u, names beginning with "_" (reserved by
InfluxDB 2) are errors too.

The rules (docs.influxdata.com, "Line protocol"):

    <measurement>[,<tag_key>=<tag_value>...] <field_key>=<field_value>[,...] [<timestamp>]

- one space between the sections, none before the line or after it;
- the measurement: commas and spaces escaped with a backslash, not
  empty, not beginning with "#" (a comment);
- tag keys, tag values and field keys: commas, equals signs and spaces
  escaped; none of them empty (an empty tag value is left out, not
  written); no key twice; "time" is no tag or field key;
- a backslash before a character that needs no escape is itself; two
  backslashes are one (the first escapes the second);
- field values: floats (1, -1.5, 1e+78; finite), integers with i (signed
  64 bits), unsigned integers with u, booleans (t T true True TRUE, f F
  false False FALSE), strings in double quotes (\\" and \\\\ the only
  escapes, at most 64 KiB); at least one field;
- the timestamp: an integer (signed 64 bits);
- no newline (nor carriage return) inside a line.
"""
import json
import math
import re
import sys

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1
UINT64_MAX = (1 << 64) - 1
STRING_MAX = 64 * 1024

TRUE = ("t", "T", "true", "True", "TRUE")
FALSE = ("f", "F", "false", "False", "FALSE")

FLOAT_RE = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
INT_RE = re.compile(r"-?[0-9]+i\Z")
UINT_RE = re.compile(r"[0-9]+u\Z")
TS_RE = re.compile(r"-?[0-9]+\Z")


class LineProtocolError(ValueError):
    pass


class _Scanner:
    def __init__(self, line):
        self.s = line
        self.i = 0

    def fail(self, why):
        raise LineProtocolError("column %d: %s" % (self.i + 1, why))

    def peek(self):
        return self.s[self.i] if self.i < len(self.s) else ""

    def name(self, what, special, stops, reject):
        """An escaped name up to one of stops (unescaped).  special: the
        characters a backslash escapes; reject: unescaped characters that
        are an error here."""
        out = []
        start = self.i
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c == "\\":
                n = s[self.i + 1] if self.i + 1 < len(s) else ""
                if n != "" and (n in special or n == "\\"):
                    out.append(n)
                    self.i += 2
                else:
                    out.append("\\")
                    self.i += 1
                continue
            if c in stops:
                break
            if c in reject:
                if self.i == start:
                    self.fail("empty %s" % what)
                self.fail("unescaped %r in the %s" % (c, what))
            out.append(c)
            self.i += 1
        if self.i == start:
            self.fail("empty %s" % what)
        return "".join(out)

    def expect(self, c, why):
        if self.peek() != c:
            got = self.peek()
            self.fail("%s (got %s)" % (why, repr(got) if got else "the end"))
        self.i += 1


def _check_key(sc, key, what, underscore):
    if key == "time":
        sc.fail("%s \"time\" is not allowed" % what)
    if underscore and key.startswith("_"):
        sc.fail("%s %r begins with \"_\" (reserved)" % (what, key))


def _string_value(sc):
    out = []
    s = sc.s
    sc.i += 1           # the opening quote
    while True:
        if sc.i >= len(s):
            sc.fail("unterminated string field value")
        c = s[sc.i]
        if c == "\\":
            n = s[sc.i + 1] if sc.i + 1 < len(s) else ""
            if n in ('"', "\\") and n != "":
                out.append(n)
                sc.i += 2
            else:
                out.append("\\")
                sc.i += 1
            continue
        if c == '"':
            sc.i += 1
            break
        out.append(c)
        sc.i += 1
    v = "".join(out)
    if len(v.encode("utf-8")) > STRING_MAX:
        sc.fail("string field value longer than 64 KiB")
    return v, "string"


def _scalar_value(sc, key):
    s = sc.s
    start = sc.i
    while sc.i < len(s) and s[sc.i] not in ", ":
        sc.i += 1
    tok = s[start:sc.i]
    at = start
    if tok == "":
        sc.i = at
        sc.fail("field %r has no value" % key)
    if tok in TRUE:
        return True, "boolean"
    if tok in FALSE:
        return False, "boolean"
    if INT_RE.match(tok):
        v = int(tok[:-1])
        if not INT64_MIN <= v <= INT64_MAX:
            sc.i = at
            sc.fail("integer %s out of range" % tok)
        return v, "integer"
    if UINT_RE.match(tok):
        v = int(tok[:-1])
        if v > UINT64_MAX:
            sc.i = at
            sc.fail("unsigned integer %s out of range" % tok)
        return v, "unsigned"
    if FLOAT_RE.match(tok):
        v = float(tok)
        if not math.isfinite(v):
            sc.i = at
            sc.fail("float %s out of range" % tok)
        return v, "float"
    sc.i = at
    sc.fail("field %r: bad value %r" % (key, tok))


def parse_line_types(line, underscore=False):
    """(measurement, tags, fields, types, timestamp) of one line (a
    trailing "\\n" is allowed); LineProtocolError when malformed."""
    if line.endswith("\n"):
        line = line[:-1]
    sc = _Scanner(line)
    if "\n" in line or "\r" in line:
        sc.i = min(i for i in (line.find("\n"), line.find("\r")) if i >= 0)
        sc.fail("a line break inside the line")
    if line == "":
        sc.fail("empty line")
    if line[0] == "#":
        sc.fail("a comment, not a point")
    if line[0] == " ":
        sc.fail("whitespace before the measurement")
    meas = sc.name("measurement", ", ", ", ", "")
    if underscore and meas.startswith("_"):
        sc.fail("measurement %r begins with \"_\" (reserved)" % meas)
    tags = {}
    while sc.peek() == ",":
        sc.i += 1
        k = sc.name("tag key", ",= ", "=", ", ")
        _check_key(sc, k, "tag key", underscore)
        sc.expect("=", "tag key %r without \"=\"" % k)
        if sc.peek() in (",", " ", ""):
            sc.fail("tag %r has an empty value" % k)
        v = sc.name("tag value", ",= ", ", ", "=")
        if k in tags:
            sc.fail("tag key %r twice" % k)
        tags[k] = v
    sc.expect(" ", "a space after the measurement and tags")
    if sc.peek() == " ":
        sc.fail("more than one space before the fields")
    fields = {}
    types = {}
    while True:
        k = sc.name("field key", ",= ", "=", ", ")
        _check_key(sc, k, "field key", underscore)
        sc.expect("=", "field key %r without \"=\"" % k)
        if sc.peek() == '"':
            v, t = _string_value(sc)
        else:
            v, t = _scalar_value(sc, k)
        if k in fields:
            sc.fail("field key %r twice" % k)
        fields[k] = v
        types[k] = t
        c = sc.peek()
        if c == ",":
            sc.i += 1
            if sc.peek() in (" ", ""):
                sc.fail("a comma with no field after it")
            continue
        if c in (" ", ""):
            break
        sc.fail("unexpected %r after field %r" % (c, k))
    ts = None
    if sc.peek() == " ":
        sc.i += 1
        tok = line[sc.i:]
        if tok == "":
            sc.fail("a space at the end of the line")
        if not TS_RE.match(tok):
            sc.fail("bad timestamp %r" % tok)
        ts = int(tok)
        if not INT64_MIN <= ts <= INT64_MAX:
            sc.fail("timestamp %s out of range" % tok)
        sc.i = len(line)
    return meas, tags, fields, types, ts


def parse_line(line, underscore=False):
    """(measurement, tags, fields, timestamp) of one line."""
    m, t, f, _, ts = parse_line_types(line, underscore)
    return m, t, f, ts


def parse_lines(text, underscore=False, blank=False):
    """Every point of a body (lines split on "\\n"; a last empty piece,
    after the final newline, is no line).  LineProtocolError names the
    line (from 1)."""
    out = []
    pieces = text.split("\n")
    if pieces and pieces[-1] == "":
        pieces.pop()
    for n, ln in enumerate(pieces, 1):
        if blank and (ln.strip() == "" or ln.lstrip().startswith("#")):
            continue
        try:
            out.append(parse_line(ln, underscore))
        except LineProtocolError as e:
            raise LineProtocolError("line %d: %s" % (n, e))
    return out


def main(argv):
    import argparse

    ap = argparse.ArgumentParser(description="strict InfluxDB line "
                                 "protocol parser: JSON lines out")
    ap.add_argument("-b", action="store_true",
                    help="skip empty lines and comments")
    ap.add_argument("-u", action="store_true",
                    help="names beginning with _ are errors")
    a = ap.parse_args(argv)
    data = sys.stdin.buffer.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        n = data[:e.start].count(b"\n") + 1
        print("lineproto: line %d: not UTF-8" % n, file=sys.stderr)
        return 1
    pieces = text.split("\n")
    if pieces and pieces[-1] == "":
        pieces.pop()
    out = sys.stdout
    for n, ln in enumerate(pieces, 1):
        if a.b and (ln.strip() == "" or ln.lstrip().startswith("#")):
            continue
        try:
            m, t, f, ty, ts = parse_line_types(ln, a.u)
        except LineProtocolError as e:
            out.flush()
            print("lineproto: line %d: %s" % (n, e), file=sys.stderr)
            return 1
        out.write(json.dumps({"measurement": m, "tags": t, "fields": f,
                              "types": ty, "timestamp": ts},
                             sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
