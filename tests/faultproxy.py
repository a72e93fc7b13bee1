#!/usr/bin/env python3
"""A faulty HTTP proxy between vigil and moto, for the fault-injection tests (tests/faults.rs).

Every request is forwarded to the upstream moto server unless a rule matches it. A rule names a
service (the SigV4 credential scope: s3, iam, ec2, rds, dynamodb, sns, sts), optionally one
operation, a fault, and how many requests it hits (all when `times` is absent); `body_contains`
limits it to requests whose body contains that text (one member's AssumeRole, say). Faults:

  throttle     the service's own throttling error (Throttling, RequestLimitExceeded, SlowDown, ...)
  server       500 InternalError            unavailable  503 ServiceUnavailable
  denied       403 AccessDenied (UnauthorizedOperation for EC2)
  error        any `status` and `code` the rule gives (a NotFound on a listing, say)
  slow         waits `seconds` (default 2) before forwarding: past the client's attempt timeout
  reset        closes the connection without a response (TCP RST)
  truncated    forwards, then returns the first half of the body
  malformed    forwards, then returns a body that is not XML or JSON
  stale_report the IAM credential report as AWS keeps it for up to four hours: rows of `users`
               dropped, GeneratedTime moved back `hours`
  rewrite      forwards, then replaces each match of the regex `find` in the body with `replace`
  respond      answers with `status` (default 200) and the JSON `body` without forwarding: a
               recorded AWS response, for an operation moto does not implement; the request body
               is kept with the hit

Control (no SigV4): POST /__faults {"rules": [...]} replaces the rules; DELETE /__faults clears
rules and hits; GET /__faults returns {"hits": [[service, operation, fault], ...]} and, for
`respond` rules, {"requests": [[operation, request body as JSON], ...]}.

Usage: faultproxy.py PORT UPSTREAM_URL
"""

import base64
import datetime
import http.client
import http.server
import json
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse

LOCK = threading.Lock()
RULES = []
HITS = []
REQUESTS = []

# REST-JSON operations, by (service, method, path).
REST_OPERATIONS = {
    ("securityhub", "POST", "/findings/import"): "BatchImportFindings",
    ("securityhub", "PATCH", "/findings/batchupdate"): "BatchUpdateFindings",
    ("securityhub", "POST", "/findings"): "GetFindings",
    ("access-analyzer", "GET", "/analyzer"): "ListAnalyzers",
}

S3_SUBRESOURCES = [
    ("policy", "BucketPolicy"),
    ("acl", "BucketAcl"),
    ("publicAccessBlock", "PublicAccessBlock"),
    ("encryption", "BucketEncryption"),
    ("versioning", "BucketVersioning"),
    ("tagging", "BucketTagging"),
    ("location", "BucketLocation"),
]

THROTTLE = {
    "ec2": (503, "RequestLimitExceeded"),
    "s3": (503, "SlowDown"),
    "dynamodb": (400, "ThrottlingException"),
    "securityhub": (429, "TooManyRequestsException"),
    "events": (400, "ThrottlingException"),
}


def service_of(headers):
    m = re.search(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request", headers.get("Authorization", ""))
    return m.group(1) if m else ""


def operation_of(service, method, path, query, headers, body):
    target = headers.get("X-Amz-Target")
    if (service, method, path) in REST_OPERATIONS:
        return REST_OPERATIONS[(service, method, path)]
    if target:
        return target.rsplit(".", 1)[-1]
    if service == "s3":
        q = urllib.parse.parse_qs(query, keep_blank_values=True)
        if not path.strip("/"):
            return "ListBuckets"
        verb = {"GET": "Get", "PUT": "Put", "DELETE": "Delete"}.get(method, method.title())
        for key, name in S3_SUBRESOURCES:
            if key in q:
                return verb + name
        return {"HEAD": "HeadBucket", "GET": "ListObjects", "PUT": "CreateBucket", "DELETE": "DeleteBucket"}.get(method, method)
    form = urllib.parse.parse_qs(body.decode("utf-8", "replace")) if body else {}
    if "Action" in form:
        return form["Action"][0]
    return urllib.parse.parse_qs(query).get("Action", [""])[0]


def error_body(service, status, code, message):
    """An error response in the service's own protocol."""
    if service == "dynamodb":
        body = json.dumps({"__type": "com.amazonaws.dynamodb.v20120810#" + code, "message": message})
        return status, "application/x-amz-json-1.0", body.encode()
    if service in ("securityhub", "events"):
        body = json.dumps({"__type": code, "Code": code, "message": message, "Message": message})
        return status, "application/x-amz-json-1.1", body.encode()
    if service == "ec2":
        body = f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>fault</RequestID></Response>"
    elif service == "s3":
        body = f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>fault</RequestId></Error>"
    else:
        body = f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>fault</RequestId></ErrorResponse>"
    return status, "text/xml", body.encode()


def take_rule(service, operation, body=b""):
    with LOCK:
        for rule in RULES:
            if rule.get("service") != service:
                continue
            if rule.get("operation") not in (None, operation):
                continue
            if rule.get("body_contains") and rule["body_contains"].encode() not in body:
                continue
            if rule.get("times") is not None:
                if rule["times"] <= 0:
                    continue
                rule["times"] -= 1
            HITS.append([service, operation, rule["fault"]])
            return dict(rule)
    return None


def stale_report(body, rule):
    """Rewrites a GetCredentialReport answer as an older report that lacks some users."""
    text = body.decode()
    m = re.search(r"<Content>([^<]*)</Content>", text)
    if m:
        rows = base64.b64decode(m.group(1)).decode().splitlines()
        dropped = set(rule.get("users", []))
        rows = [r for r in rows if r.split(",", 1)[0] not in dropped]
        content = base64.b64encode(("\n".join(rows) + "\n").encode()).decode()
        text = text[: m.start(1)] + content + text[m.end(1):]
    g = re.search(r"<GeneratedTime>([^<]*)</GeneratedTime>", text)
    if g:
        when = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=rule.get("hours", 3))
        stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        text = text[: g.start(1)] + stamp + text[g.end(1):]
    return text.encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = None

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def do_PUT(self):
        self.handle_any()

    def do_DELETE(self):
        self.handle_any()

    def do_HEAD(self):
        self.handle_any()

    def do_PATCH(self):
        self.handle_any()

    def reply(self, status, content_type, body, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def control(self, body):
        global RULES, HITS
        with LOCK:
            if self.command == "POST":
                RULES = json.loads(body or b"{}").get("rules", [])
            elif self.command == "DELETE":
                RULES, HITS, REQUESTS[:] = [], [], []
            out = json.dumps({"hits": HITS, "rules": RULES, "requests": REQUESTS}).encode()
        self.reply(200, "application/json", out)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urllib.parse.urlsplit(self.path)
        if url.path.startswith("/__faults"):
            return self.control(body)
        service = service_of(self.headers)
        operation = operation_of(service, self.command, url.path, url.query, self.headers, body)
        rule = take_rule(service, operation, body)
        fault = rule["fault"] if rule else None
        if fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        if fault == "respond":
            with LOCK:
                REQUESTS.append([operation, json.loads(body or b"{}")])
            answer = json.dumps(rule.get("body", {})).encode()
            return self.reply(rule.get("status", 200), "application/json", answer, [("x-amzn-RequestId", "recorded")])
        if fault == "slow":
            time.sleep(rule.get("seconds", 2))
        canned = {
            "throttle": THROTTLE.get(service, (400, "Throttling")),
            "server": (500, "InternalFailure" if service == "dynamodb" else "InternalError"),
            "unavailable": (503, "ServiceUnavailable"),
            "denied": (403, "UnauthorizedOperation" if service == "ec2" else "AccessDeniedException" if service == "dynamodb" else "AccessDenied"),
            "error": (rule.get("status", 400), rule.get("code", "Error")) if rule else None,
        }
        if fault in canned:
            status, code = canned[fault]
            return self.reply(*error_body(service, status, code, f"injected {fault} fault"))
        status, headers, answer = self.forward(body)
        if fault == "truncated":
            answer = answer[: len(answer) // 2]
        elif fault == "malformed":
            answer = b"{ this is neither XML nor JSON <<<"
        elif fault == "stale_report":
            answer = stale_report(answer, rule)
        elif fault == "rewrite":
            answer = re.sub(rule["find"].encode(), rule["replace"].encode(), answer)
        self.reply(status, None, answer, headers)

    def forward(self, body):
        conn = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "content-length")}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        answer = resp.read()
        skip = ("connection", "content-length", "transfer-encoding", "keep-alive")
        out = [(k, v) for k, v in resp.getheaders() if k.lower() not in skip]
        conn.close()
        return resp.status, out, answer


def main():
    port, upstream = int(sys.argv[1]), sys.argv[2]
    Handler.upstream = urllib.parse.urlsplit(upstream)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
