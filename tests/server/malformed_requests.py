"""Malformed HTTP requests for test_stress.py, generated deterministically from a seed, and a strict
reader of the answers.

generate(rng, routes, documented, n) returns n Cases over every route the Worker serves: broken
request lines, fuzzed headers and framing, broken multipart bodies and boundaries, bad JSON in form
fields and submit-url bodies, bad query strings (report_type, view, include_fields, age, ids, ...),
compressed bodies and plain garbage. Each Case carries the statuses its answer may have: what
server/openapi.json documents for the route it is aimed at (never 401/403: the test's Worker has no
tokens; never 500), or, when the request cannot reach a route, only the transport-level refusals.
"""
import gzip
import json
import re
import urllib.parse
import zlib

# What any request may get for being malformed at the HTTP level: a head or body that cannot be
# parsed (400), a body over the limit (413), a request line or header over the limits (414, 431), a
# Content-Encoding where none is taken (415).
TRANSPORT = frozenset({400, 413, 414, 415, 431})
UNROUTED = TRANSPORT | {404}

SAMPLE_FILE = b"MZ" + bytes(range(256)) * 4 + b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class Case:
    __slots__ = ("kind", "data", "allowed", "head_request", "route")

    def __init__(self, kind, data, allowed, route=None, head_request=False):
        self.kind, self.data, self.allowed, self.route, self.head_request = kind, data, frozenset(allowed), route, head_request

    def __repr__(self):
        return "<%s %s %r>" % (self.kind, self.route, self.data[:160])


# --- the routes ---------------------------------------------------------------------------------

# Answers openapi.json lists on every route for what the connection did, not what the request asked:
# a whole, well-formed request (which every generated case is) must never get them.
CONNECTION_ANSWERS = {"#/components/responses/" + name for name in
                      ("RequestTimeout", "UriTooLong", "RangeNotSatisfiable", "HeadTooLarge", "ConnectionLimit",
                       "MalformedHead")}


def documented_statuses(openapi):
    """{(METHOD, "/path/{}"): set of documented statuses} from server/openapi.json, leaving out the
    CONNECTION_ANSWERS (TRANSPORT says which of those a malformed case may get)."""
    out = {}
    for path, item in openapi["paths"].items():
        shape = re.sub(r"\{[^{}/]+\}", "{}", path)
        for method, op in item.items():
            if isinstance(op, dict) and "responses" in op:
                out[(method.upper(), shape)] = {int(code) for code, answer in op["responses"].items()
                                                if code.isdigit() and answer.get("$ref") not in CONNECTION_ANSWERS}
    return out


def route_shape(pattern):
    return re.sub(r"\([^()]*\)", "{}", pattern)


def allowed_for(documented, method, pattern, extra=()):
    statuses = set(documented[(method, route_shape(pattern))]) - {401, 403, 500}
    return (statuses | TRANSPORT | set(extra))


# --- building blocks ----------------------------------------------------------------------------

def garbage(rng, n):
    return bytes(rng.getrandbits(8) for _ in range(n))


def text_garbage(rng, n, alphabet="abc%&=+;/?#\\\"' \t\x00\x7f\xff\u00e9\u202e{}[]<>"):
    return "".join(rng.choice(alphabet) for _ in range(n))


def weird_value(rng):
    return rng.choice([
        "", " ", "0", "-1", "1e3", "1.5", "NaN", "null", "true", "%", "%zz", "%00", "%ff%fe", "a&b=c", "==",
        "+", "\u00e9\u00e8", "\u202e", "9" * 30, "-" + "9" * 25, str(2 ** 63), str(2 ** 64 + 5), "0x10", "1,2",
        "a" * rng.randint(1, 3000), text_garbage(rng, rng.randint(1, 40)), "../../etc/passwd", "<script>",
        "small", "medium", "large", "flat", "classification", "summary", "info", "sample_info,indicators",
        "info.file,tags,interesting_strings", "*", "1", "false", "START", "STOP",
    ])


def quote_loose(value):
    """Percent-encodes a value mostly, leaving some raw characters the way sloppy clients do."""
    return urllib.parse.quote(value, safe="%&=+,*") if isinstance(value, str) else value


def request(method, target, headers=(), body=b"", version="HTTP/1.1", eol="\r\n"):
    lines = ["%s %s %s" % (method, target, version)] + ["%s: %s" % h for h in headers]
    head = eol.join(lines) + eol + eol
    return head.encode("utf-8", "surrogateescape") + body


def with_length(headers, body):
    return list(headers) + [("Content-Length", str(len(body)))]


def multipart_body(rng, parts, boundary, mutate=True):
    out = bytearray()
    for name, value, filename, extra in parts:
        out += b"--" + boundary + b"\r\n"
        disposition = b"form-data"
        if name is not None:
            disposition += b'; name="' + name + b'"'
        if filename is not None:
            disposition += b'; filename="' + filename + b'"'
        out += b"Content-Disposition: " + disposition + b"\r\n"
        for h in extra:
            out += h + b"\r\n"
        out += b"\r\n" + value + b"\r\n"
    out += b"--" + boundary + b"--\r\n"
    return bytes(out)


def mutate_bytes(rng, data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        op = rng.randrange(5)
        if not data:
            break
        i = rng.randrange(len(data))
        if op == 0:
            data[i] = rng.getrandbits(8)
        elif op == 1:
            del data[i:i + rng.randint(1, 40)]
        elif op == 2:
            data[i:i] = garbage(rng, rng.randint(1, 40))
        elif op == 3:
            data[i:i] = rng.choice([b"\r\n", b"--", b"\r\n\r\n", b'"', b"\n", b"\x00"])
        else:
            del data[i:]
    return bytes(data)


def nested_json(rng):
    depth = rng.choice([100, 1000, 5000, 20000])
    return "[" * depth + "]" * (depth if rng.random() < 0.5 else 0)


def bad_json(rng):
    return rng.choice([
        "", "{", "}", "{\"a\":}", "{'a': 1}", "{\"a\": 1,}", "[1, 2", "{\"a\": NaN}", "{\"a\": 1e999999}",
        "\ufeff{}", "{\"a\": \"\\ud800\"}", "{\"a\": \"\\x41\"}", "null", "123", "\"str\"", "true",
        "{\"a\": 1} trailing", "{\"a\": \"" + "x" * 5000 + "\"}", nested_json(rng), text_garbage(rng, 50),
        "{\"callback\": {\"url\": 5}}", "{\"callback\": {\"url\": \"ftp://x/\"}}", "{\"callback\": []}",
        "{\"callback\": {\"url\": \"http://127.0.0.1:1/\", \"report_type\": \"nope\"}}",
        "{\"callback\": {\"view\": 1}}", "{\"network\": {\"a\": [1, {\"b\": null}]}}", "{}",
        "{\"integrity_check_hash\": 5}", "{\"integrity_check_hash\": \"00\"}", "{\"integrity_check_hash\": null}",
    ]).encode("utf-8", "surrogatepass")


# --- the generators -----------------------------------------------------------------------------

class Generator:
    def __init__(self, rng, routes, documented, task_ids):
        self.rng, self.routes, self.documented, self.task_ids = rng, routes, documented, task_ids

    def concrete(self, pattern):
        def fill(_):
            if "task" in pattern:
                return str(self.rng.choice(self.task_ids + [0, 1, 2, 10 ** 6]))
            return self.rng.choice(["eicar", "generic", "nope", "..", "a" * 300])
        return re.sub(r"\([^()]*\)", fill, pattern)

    def route(self, methods=None):
        choices = [r for r in self.routes if methods is None or r[0] in methods]
        return self.rng.choice(choices)

    def request_line(self):
        rng = self.rng
        method, pattern = self.route()
        path = self.concrete(pattern)
        m = rng.choice([method, method.lower(), "G E T", "", "GETT", "PRI", "CONNECT", "TRACE", "OPTIONS", "PATCH",
                        "\x00" + method, method + "\x00", text_garbage(rng, 8), "X" * 300])
        t = rng.choice([path, "", "*", "//", "/../../etc/passwd", path + "%", path + "%zz", path + "%00x",
                        "/" + "a" * rng.choice([100, 8100, 9000]), "http://127.0.0.1" + path, path + " extra",
                        path + "#frag", path + "?", path + "?" + text_garbage(rng, 30), "\x00", path.replace("/", "\\")])
        v = rng.choice(["HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.1 x", "http/1.1", "HTTP/1", "", "HTTP/1.1\x00",
                        "HTTP/9.9", "HTTP/1.1\t"])
        eol = rng.choice(["\r\n"] * 6 + ["\n", "\r", "\r\r\n"])
        headers = [("Host", "127.0.0.1")] if rng.random() < 0.8 else []
        body = b""
        if method in ("POST", "PUT") and rng.random() < 0.5:
            body = b'{"paused": false}'
            headers = with_length(headers, body)
        # Still aimed at the route: the same method, a version cpp-httplib takes, CRLF, and the path
        # as it was, or with a fragment or an empty query (dropped), or in absolute form (a 404 here).
        aimed = m == method and v in ("HTTP/1.1", "HTTP/1.0", "HTTP/1.1\t") and eol == "\r\n"  # a tab is trimmed
        if aimed and t in (path, path + "#frag", path + "?"):
            allowed = allowed_for(self.documented, method, pattern)
        elif aimed and t == "http://127.0.0.1" + path:
            allowed = allowed_for(self.documented, method, pattern) | UNROUTED
        else:
            allowed = UNROUTED
        return Case("request-line", request(m, t, headers, body, v, eol), allowed, route=pattern,
                    head_request=(m == "HEAD"))

    def headers(self):
        rng = self.rng
        method, pattern = self.route()
        path = self.concrete(pattern)
        headers = [("Host", "127.0.0.1")]
        body = b""
        if method in ("POST", "PUT"):
            body = rng.choice([b'{"paused": false}', b"operation=STOP", b"", garbage(rng, rng.randint(1, 2000))])
        extra = set()
        declared = False
        for _ in range(rng.randint(1, 12)):
            kind = rng.randrange(16)
            if kind == 0:
                headers.append((text_garbage(rng, rng.randint(1, 20), "abcXYZ-_!#$%&'*+.^`|~"), text_garbage(rng, 30)))
            elif kind == 1:
                headers.append(("X-Long", "v" * rng.choice([100, 4000, 8300, 9000])))
            elif kind == 2:
                headers.append(("Content-Length", rng.choice(["-1", "abc", "1e3", " 5", "99999999999999999999999", "",
                                                               "0x10", "%35", str(len(body) + 7), str(len(body))])))
                declared = True
            elif kind == 3:
                headers.append(("Transfer-Encoding", rng.choice(["chunked", "chunked, gzip", "gzip", "Chunked",
                                                                  "identity", "chunked\x00", " chunked"])))
                declared = True
            elif kind == 4:
                headers.append(("Expect", rng.choice(["100-continue", "200-ok", "", "100-Continue"])))
            elif kind == 5:
                headers.append(("Content-Encoding", rng.choice(["gzip", "br", "deflate", "identity", "x-none"])))
            elif kind == 6:
                headers.append(("Connection", rng.choice(["close", "keep-alive", "Upgrade", "close, close"])))
                if rng.random() < 0.3:
                    headers.append(("Upgrade", "h2c"))
            elif kind == 7:
                headers.append(("Authorization", rng.choice(["Token", "Token " + "a" * 40, "Basic Og==", "\x00",
                                                              "Token " + text_garbage(rng, 20)])))
            elif kind == 8:
                headers.append(("Range", rng.choice(["bytes=0-0", "bytes=-1-2,5-", "bytes=0-1,2-3,4-5", "bytes=999999-",
                                                      "lines=1-2", "bytes=" + ",".join("%d-%d" % (i, i) for i in range(200))])))
                extra |= {206, 416}
            elif kind == 9:
                headers.append(("X-Forwarded-For", rng.choice(["1.2.3.4, ::1", "[::1]:80", "garbage, , ,", "x" * 2000])))
            elif kind == 10:
                headers.append(("X-TiScale-Token", rng.choice(["Token abc", "t" * 300, "", "\u00e9"])))
            elif kind == 11:
                headers.append(("Content-Type", rng.choice(["application/json", "multipart/form-data", "text/plain",
                                                            "multipart/form-data; boundary=", "application/x-www-form-urlencoded",
                                                            "multipart/form-data; boundary=" + "b" * 200])))
            elif kind == 12:
                headers.append(("Host", rng.choice(["", "a b", "[::1", "x" * 300, "127.0.0.1:99999", "evil.example"])))
            elif kind == 13:
                headers.append((" Folded", "value"))  # a line starting with a space: obsolete folding
            elif kind == 14:
                headers.append(("NoColon" + text_garbage(rng, 5, "abc"), None))
            else:
                headers.append(("X-" + "h" * rng.randint(1, 50), "\u00e9\u00e8\x01\x7f" * rng.randint(1, 5)))
        if not declared and body:
            headers = with_length(headers, body)
        lines = ["%s %s HTTP/1.1" % (method, path)]
        for name, value in headers:
            lines.append(name if value is None else "%s: %s" % (name, value))
        eol = "\r\n" if rng.random() < 0.9 else rng.choice(["\n", "\r\n\n"])
        data = ("\r\n".join(lines[:-1]) + "\r\n" + lines[-1] + eol + "\r\n").encode("utf-8", "surrogateescape") + body
        return Case("headers", data, allowed_for(self.documented, method, pattern, extra), route=pattern)

    def multipart_upload(self):
        rng = self.rng
        boundary = rng.choice([b"b0undary", b"----WebKitFormBoundary7MA4YWxkTrZu0gW", b"x" * 70, b"x" * 71,
                               b"a b", b"\"quoted\"", b"", b"--", b"\xff\xfe"])
        ct = rng.choice([
            "multipart/form-data; boundary=%s", "multipart/form-data; boundary=\"%s\"", "multipart/form-data",
            "multipart/form-data; boundary=%s; boundary=other", "multipart/mixed; boundary=%s", "text/plain",
            "multipart/form-data;boundary=%s", "MULTIPART/FORM-DATA; boundary=%s", "multipart/form-data; charset=utf-8; boundary=%s",
        ])
        content_type = ct % boundary.decode("latin-1") if "%s" in ct else ct
        parts = []
        for _ in range(rng.randint(0, 4)):
            kind = rng.randrange(7)
            if kind == 0:
                parts.append((b"file", rng.choice([SAMPLE_FILE, b"", garbage(rng, rng.randint(1, 3000))]),
                              rng.choice([b"sample.bin", b"../../etc/passwd", b"", b"a\x00b", b"x" * 2000, b"\xff.exe",
                                          b"dir\\name.txt"]), []))
            elif kind == 1:
                parts.append((b"user_data", bad_json(rng), None, []))
            elif kind == 2:
                parts.append((b"custom_data", bad_json(rng), None, []))
            elif kind == 3:
                parts.append((None, b"no name", None, []))
            elif kind == 4:
                parts.append((b"file", SAMPLE_FILE, b"s.bin", [rng.choice([b"Content-Type: text/plain", b"X-Garbage",
                                                                          b"Content-Transfer-Encoding: base64", b"a" * 9000])]))
            elif kind == 5:
                parts.append((b"other", garbage(rng, rng.randint(0, 500)), None, []))
            else:
                parts.append((b"file", SAMPLE_FILE, b"ok.bin", []))
        body = multipart_body(rng, parts, boundary or b"b0undary")
        if rng.random() < 0.6:
            body = mutate_bytes(rng, body)
        headers = [("Host", "127.0.0.1"), ("Content-Type", content_type)]
        framing = rng.randrange(10)
        if framing < 6:
            headers = with_length(headers, body)
        elif framing == 6:
            headers.append(("Content-Length", str(len(body) + rng.randint(1, 500))))  # the body ends early
        elif framing == 7:
            headers.append(("Content-Length", str(max(0, len(body) - rng.randint(1, 50)))))  # bytes left over
        elif framing == 8:
            headers.append(("Transfer-Encoding", "chunked"))
            body = chunked(rng, body)
        # framing == 9: no length at all (no body, for HTTP/1.1)
        pattern = "/api/tiscale/v1/upload"
        return Case("multipart", request("POST", pattern, headers, body), allowed_for(self.documented, "POST", pattern),
                    route=pattern)

    def submit_url(self):
        rng = self.rng
        # Only addresses the Worker must refuse (loopback, private, link-local, documentation) or
        # that are not URLs at all: nothing here may be fetched, and nothing needs DNS.
        url = rng.choice([
            "file:///etc/passwd", "gopher://127.0.0.1/", "ftp://10.0.0.1/x", "http://127.0.0.1/", "http://[::1]/",
            "http://10.0.0.1/x", "http://169.254.169.254/latest/meta-data/", "http://0x7f000001/", "http://2130706433/",
            "http://localhost:1/", "", " ", "http://", "http://a b/", "http://user:pass@127.0.0.1/", "https://192.0.2.1/",
            "http://[fe80::1%25eth0]/", "http://[::ffff:127.0.0.1]/", "http://100.64.0.1/", "http://224.0.0.1/",
            "http://127.0.0.1:99999/", "http://198.51.100.7/" + "a" * 9000, "javascript:alert(1)", "\u00e9://x",
        ])
        doc = {}
        if rng.random() < 0.9:
            doc["url"] = rng.choice([url, url, url, 5, None, [], {"a": 1}, True])
        if rng.random() < 0.4:
            doc["hash"] = rng.choice(["", "00", "x" * 40, "a" * 64, "A" * 128, 5, None, "g" * 32])
        if rng.random() < 0.3:
            key = rng.choice(["custom_authorization_header", "custom_header_authorization"])
            doc[key] = rng.choice([{"X": "a\r\nInjected: 1"}, {"X": 5}, "str", [], {"": ""}, {"A" * 300: "b"}])
        if rng.random() < 0.3:
            doc["user_data"] = rng.choice(["not json", {"callback": {"url": 1}}, 5, None, {"callback": "x"}])
        if rng.random() < 0.3:
            doc["custom_data"] = rng.choice(["{bad", {"a": [1, 2]}, None])
        body = json.dumps(doc).encode()
        kind = rng.randrange(6)
        if kind == 0:
            body = bad_json(rng)
        elif kind == 1:
            body = mutate_bytes(rng, body)
        ct = rng.choice(["application/json"] * 4 + ["text/plain", "application/json; charset=utf-8", "", "multipart/form-data"])
        headers = [("Host", "127.0.0.1")] + ([("Content-Type", ct)] if ct else [])
        if rng.random() < 0.15:
            headers.append(("Transfer-Encoding", "chunked"))
            body = chunked(rng, body)
        else:
            headers = with_length(headers, body)
        pattern = "/api/tiscale/v1/submit-url"
        # Nothing generated here may be accepted: a 200 would mean a refused address got through.
        return Case("submit-url", request("POST", pattern, headers, body),
                    allowed_for(self.documented, "POST", pattern) - {200}, route=pattern)

    def query(self):
        rng = self.rng
        method, pattern = self.route({"GET", "DELETE"})
        names = ["report_type", "view", "include_fields", "exclude_fields", "full", "v13", "age", "token", "offset",
                 "limit", "latest", "errorOnly", "ids", "id", "", "report_type[]", "%00"]
        params = []
        for _ in range(rng.randint(1, 8)):
            params.append((rng.choice(names), weird_value(rng)))
        if "task" in pattern and pattern.endswith("task") and method == "DELETE" and rng.random() < 0.8:
            # Bulk deletion: mostly ages that delete nothing (a test elsewhere deletes for real).
            params = [("age", rng.choice(["999999", "-1", "abc", "", "1e3", "99999999999999999999", "86400"]))] + params
        parts = []
        for k, v in params:
            form = rng.randrange(3)
            if form == 0:
                parts.append(quote_loose(k) + "=" + quote_loose(v))
            elif form == 1:
                parts.append(quote_loose(k))
            else:
                parts.append(quote_loose(k) + "=" + quote_loose(v) + "=x")
        query = "&".join(parts)
        if rng.random() < 0.2:
            query = query.replace("%", rng.choice(["%", "%%", "%g"]))
        path = self.concrete(pattern)
        if "task/" in path and rng.random() < 0.5:
            path = path.rsplit("/", 1)[0] + "/" + quote_loose(rng.choice(
                ["0", "-1", "abc", str(2 ** 63), str(2 ** 64 + 5), "1e3", "%31", " 1", "\u0661", "00000000000000000001",
                 "1.0", "+1", "0x1", "9" * 40]))
        target = path + "?" + query
        return Case("query", request(method, target, [("Host", "127.0.0.1")]), allowed_for(self.documented, method, pattern),
                    route=pattern)

    def other_bodies(self):
        rng = self.rng
        pick = rng.randrange(6)
        if pick == 0:
            method, pattern = "PUT", "/srv/tiscale/v1/mode"
            body = rng.choice([b'{"paused": "yes"}', b'{"paused": 1}', b'{"paused": null}', b"[]", bad_json(rng),
                               b'{"paused": false, "x": 1}', b'{"paused": false}', b'{"paused": true}'])
            ct = rng.choice(["application/json", "text/plain", "", "application/json; charset=utf-8"])
            headers = [("Content-Type", ct)] if ct else []
        elif pick == 1:
            method, pattern = "PUT", "/api/license/v1/upload"
            license_doc = rng.choice([bad_json(rng), json.dumps({"product": "tiscale-worker", "signature": "AAAA"}).encode(),
                                      garbage(rng, 300)])
            boundary = b"lic0"
            body = multipart_body(rng, [(rng.choice([b"file", b"license", None]), license_doc, b"l.json", [])], boundary)
            if rng.random() < 0.4:
                body = mutate_bytes(rng, body)
            headers = [("Content-Type", rng.choice(["multipart/form-data; boundary=lic0", "application/json", "text/plain"]))]
        elif pick == 2:
            method, pattern = "POST", "/api/uploads/local-retro-hunt/"
            op = rng.choice(["START", "STOP", "start", "", "START&operation=STOP", "\u00e9", "S" * 3000])
            if rng.random() < 0.5:
                body = ("operation=" + quote_loose(op)).encode()
                headers = [("Content-Type", "application/x-www-form-urlencoded")]
            else:
                body = multipart_body(rng, [(b"operation", op.encode("utf-8", "surrogatepass"), None, [])], b"r0")
                headers = [("Content-Type", "multipart/form-data; boundary=r0")]
        elif pick == 3:
            method, pattern = "POST", "/api/yara/ruleset/([^/]+)/cloud-retro-hunt/"
            body = ("operation=" + rng.choice(["START", "STOP", "CLEAR", "x", ""])).encode()
            headers = [("Content-Type", rng.choice(["application/x-www-form-urlencoded", "application/json"]))]
        elif pick == 4:
            method, pattern = "POST", "/api/license/v1/machine-id/generate"
            body = garbage(rng, rng.randint(0, 200))
            headers = [("Content-Type", "application/octet-stream")]
        else:
            method, pattern = "POST", "/api/tiscale/v1/pull/all"
            body = garbage(rng, rng.randint(0, 200))
            headers = []
        headers = [("Host", "127.0.0.1")] + with_length(headers, body)
        return Case("body", request(method, self.concrete(pattern), headers, body),
                    allowed_for(self.documented, method, pattern), route=pattern)

    def encoded(self):
        """Compressed request bodies: taken only by the streaming routes, whose readers bound them."""
        rng = self.rng
        bomb = gzip.compress(b"\0" * (8 << 20), 9)  # 8 MiB that compresses to about 8 KiB
        if rng.random() < 0.5:
            pattern, method = rng.choice([("/srv/tiscale/v1/mode", "PUT"), ("/api/license/v1/upload", "PUT"),
                                          ("/api/uploads/local-retro-hunt/", "POST")])
            body = rng.choice([bomb, gzip.compress(b'{"paused": false}'), b"not gzip at all"])
            headers = [("Content-Type", "application/json"), ("Content-Encoding", rng.choice(["gzip", "br", "deflate"]))]
        else:
            pattern, method = "/api/tiscale/v1/upload", "POST"
            inner = multipart_body(rng, [(b"file", rng.choice([b"\0" * (4 << 20), SAMPLE_FILE]), b"z.bin", [])], b"gz0")
            body = rng.choice([gzip.compress(inner), zlib.compress(inner)[:-4], b"\x1f\x8b broken"])
            headers = [("Content-Type", "multipart/form-data; boundary=gz0"), ("Content-Encoding", "gzip")]
        headers = [("Host", "127.0.0.1")] + with_length(headers, body)
        return Case("encoded", request(method, pattern, headers, body), allowed_for(self.documented, method, pattern),
                    route=pattern)

    def garbage(self):
        rng = self.rng
        data = rng.choice([
            garbage(rng, rng.randint(1, 4000)),
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + garbage(rng, 200),  # a TLS ClientHello
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + garbage(rng, 50),                # the HTTP/2 preface
            b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * rng.randint(1, 8000),          # a head that never ends
            b"GET /srv/tiscale/v1/available HTTP/1.1\r\nHost: x",                # cut short
        ])
        if data.strip(b"\r\n") == b"":
            data = b"x" + data
        return Case("garbage", data, UNROUTED)


def chunked(rng, body):
    out = bytearray()
    i = 0
    while i < len(body):
        n = rng.randint(1, 900)
        out += b"%x\r\n" % len(body[i:i + n]) + body[i:i + n] + b"\r\n"
        i += n
    out += b"0\r\n\r\n"
    if rng.random() < 0.3:
        out = bytearray(mutate_bytes(rng, bytes(out)))
    return bytes(out)


def generate(rng, routes, documented, task_ids, n):
    g = Generator(rng, routes, documented, task_ids)
    makers = [g.request_line, g.headers, g.multipart_upload, g.submit_url, g.query, g.other_bodies, g.encoded, g.garbage]
    weights = [14, 16, 16, 12, 18, 12, 3, 9]
    return [rng.choices(makers, weights)[0]() for _ in range(n)]


# --- reading the answers ------------------------------------------------------------------------

STATUS_LINE = re.compile(rb"HTTP/1\.1 (\d{3}) [^\r\n]*\r\n")
HEADER_LINE = re.compile(rb"([!#$%&'*+\-.^_`|~0-9A-Za-z]+): ?([^\r\n]*)\r\n")


class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        return self.headers.get(name.lower())

    def __repr__(self):
        return "<%d %r %r>" % (self.status, self.headers, self.body[:200])


# Headers an answer must not repeat (the Worker writes each once; a second could contradict the first).
ONCE_ONLY_HEADERS = {"connection", "content-length", "content-type", "keep-alive"}


def parse_answer(data, head_request=False):
    """The first final answer in `data` (1xx interim answers skipped). Raises ValueError when it is
    not a well-formed HTTP/1.1 response with a Content-Length and exactly that much body, or when it
    repeats a header of ONCE_ONLY_HEADERS or says both Connection: close and Keep-Alive."""
    pos = 0
    while True:
        m = STATUS_LINE.match(data, pos)
        if not m:
            raise ValueError("no status line at %d: %r" % (pos, data[pos:pos + 120]))
        status = int(m.group(1))
        pos = m.end()
        headers = {}
        while not data.startswith(b"\r\n", pos):
            h = HEADER_LINE.match(data, pos)
            if not h:
                raise ValueError("malformed header line: %r" % data[pos:pos + 120])
            name = h.group(1).decode().lower()
            if name in headers and name in ONCE_ONLY_HEADERS:
                raise ValueError("%s twice in a %d answer" % (name, status))
            headers.setdefault(name, h.group(2).decode("latin-1"))
            pos = h.end()
        pos += 2
        if 100 <= status < 200:
            continue
        if headers.get("connection", "").lower() == "close" and "keep-alive" in headers:
            raise ValueError("a %d answer says both Connection: close and Keep-Alive" % status)
        if "content-length" not in headers:
            raise ValueError("no Content-Length in %d answer" % status)
        length = int(headers["content-length"])
        if head_request:
            return Answer(status, headers, b""), pos
        if len(data) - pos < length:
            raise ValueError("body cut short: %d of %d bytes" % (len(data) - pos, length))
        return Answer(status, headers, data[pos:pos + length]), pos + length
