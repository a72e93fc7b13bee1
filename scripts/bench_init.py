"""Cold-start benchmark: time from exec to the first poll of the Lambda runtime API.

Serves a minimal runtime API on loopback (the binary's first `GET .../invocation/next` is the end
of its init) and an AWS endpoint that counts every request; runs each binary N times and prints the
median and spread. Any AWS request before the first poll is an error. Run through scripts/bench-init.
"""
import argparse, http.server, os, socket, statistics, subprocess, sys, threading, time


class Probe(http.server.BaseHTTPRequestHandler):
    first_poll = None
    aws_requests = 0

    def do_GET(self):
        if "/runtime/invocation/next" in self.path and Probe.first_poll is None:
            Probe.first_poll = time.perf_counter()
        else:
            Probe.aws_requests += 1
        # Hold the poll: the measurement is over; the process is killed next.
        time.sleep(0.5)
        self.send_response(503)
        self.end_headers()

    def do_POST(self):
        Probe.aws_requests += 1
        self.send_response(503)
        self.end_headers()

    def log_message(self, *args):
        pass


def serve():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Probe)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, srv.server_address[1]


def once(binary, port, extra_env):
    Probe.first_poll, Probe.aws_requests = None, 0
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
        "AWS_LAMBDA_FUNCTION_NAME": "vigil-bench",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/vigil-bench",
        "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        # Every AWS client points here, so a call before the first poll is seen.
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        **extra_env,
    }
    t0 = time.perf_counter()
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = t0 + 10
    while Probe.first_poll is None and time.perf_counter() < deadline and proc.poll() is None:
        time.sleep(0.0002)
    proc.kill()
    proc.wait()
    if Probe.first_poll is None:
        sys.exit(f"{binary} never polled the runtime API")
    return (Probe.first_poll - t0) * 1000, Probe.aws_requests


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vigil", required=True)
    ap.add_argument("--hello", required=True)
    ap.add_argument("--runs", type=int, default=30)
    a = ap.parse_args()
    srv, port = serve()
    vigil_env = {"TABLE_NAME": "vigil-findings", "TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:vigil-alerts"}
    rows = []
    for label, binary, env in (("hello-world lambda_runtime", a.hello, {}), ("vigil bootstrap", a.vigil, vigil_env)):
        once(binary, port, env)  # warm the page cache
        times, calls = [], 0
        for _ in range(a.runs):
            ms, n = once(binary, port, env)
            times.append(ms)
            calls += n
        rows.append((label, statistics.median(times), min(times), max(times), calls))
    srv.shutdown()
    print(f"| binary | median exec → first poll | min | max | AWS calls before first poll ({a.runs} runs) |")
    print("|---|---|---|---|---|")
    for label, med, lo, hi, calls in rows:
        print(f"| {label} | {med:.2f} ms | {lo:.2f} ms | {hi:.2f} ms | {calls} |")
    print(f"\nvigil − hello-world: {rows[1][1] - rows[0][1]:+.2f} ms (median)")
    if rows[1][4]:
        sys.exit("vigil made AWS calls before its first poll")


if __name__ == "__main__":
    main()
