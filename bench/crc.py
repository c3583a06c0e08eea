"""Cold start to the CRC answer of the X webhook function (issue 13): X invalidates a webhook
whose CRC answer is wrong or, per the legacy docs, later than 3 s, and a CRC may well hit a
cold function (it comes hourly at most).

Each run is a fresh interpreter that imports functions/ingest_x/app.py, builds its
dependencies as Lambda would (settings, brands, the X secret read from Secrets Manager) and
answers one ``GET /webhooks/x?crc_token=...``. AWS is a moto server on 127.0.0.1 (started
here, shared by the runs), so the secret read is a real HTTP call but without the network
latency of AWS (add ~20-50 ms in a region). Baselines, same runs: a fresh interpreter that
imports boto3; and one that imports boto3 and reads the same secret (the floor of any
function that must read a secret). The empty interpreter's start is subtracted from all.

Run: .venv/bin/python bench/crc.py [--runs 7]
"""

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [
    str(ROOT),
    str(ROOT / "layers" / "common" / "python"),
    str(ROOT / "infra" / "tools"),
]

import boto3  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402

from socialcare_tools import local_secrets as local  # noqa: E402
from socialcare_tools.apigw import http_event  # noqa: E402

TOKEN = "9b4507b3-9040-4669-9ca3-6b94edb50553"
CRC = """
import json, sys, time
started = time.perf_counter()
from functions.ingest_x import app
imported = time.perf_counter()
class Context:
    function_name = "ingest-x"; memory_limit_in_mb = 512; aws_request_id = "cold"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:ingest-x"
    def get_remaining_time_in_millis(self): return 10000
response = app.lambda_handler(json.loads(sys.argv[1]), Context())
done = time.perf_counter()
assert response["statusCode"] == 200 and "sha256=" in response["body"], response
print(json.dumps({"import": imported - started, "answer": done - imported}))
"""
SECRET_FLOOR = """
import boto3, sys
boto3.client("secretsmanager").get_secret_value(SecretId=sys.argv[1])
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the moto server's access log
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = os.environ | {
        "PYTHONPATH": f"{ROOT}:{ROOT / 'layers/common/python'}:{ROOT / 'infra/tools'}",
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "POWERTOOLS_SERVICE_NAME": "ingest-x",
        "POWERTOOLS_METRICS_NAMESPACE": "socialcare",
        "POWERTOOLS_TRACE_DISABLED": "1",
        "LOG_LEVEL": "WARNING",
    }
    try:
        os.environ.update({k: env[k] for k in env if k.startswith("AWS_")})
        secret = boto3.client("secretsmanager").create_secret(
            Name="bench/x", SecretString=json.dumps(local.X_SECRET_VALUE)
        )["ARN"]
        queue = boto3.client("sqs").create_queue(
            QueueName="bench-classify.fifo", Attributes={"FifoQueue": "true"}
        )["QueueUrl"]
        env |= {
            "TABLE_NAME": "bench-table",  # not touched by a CRC answer
            "CLASSIFY_QUEUE_URL": queue,
            "BRANDS_DIR": str(ROOT / "layers" / "config" / "brands"),
            "X_SECRET_ARN": secret,
        }
        event = json.dumps(http_event("GET", "/webhooks/x", None, {}, f"crc_token={TOKEN}"))

        def once(*argv: str) -> tuple[float, str]:
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", *argv],
                env=env,
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            )
            return time.perf_counter() - start, done.stdout

        once(CRC, event)  # warm the file cache, as a Lambda's image is
        empty = statistics.median(once("pass")[0] for _ in range(args.runs))
        runs = [once(CRC, event) for _ in range(args.runs)]
        walls = [wall - empty for wall, _ in runs]
        inside = [json.loads(out.strip().splitlines()[-1]) for _, out in runs]
        boto = statistics.median(once("import boto3")[0] for _ in range(args.runs)) - empty
        floor = statistics.median(once(SECRET_FLOOR, secret)[0] for _ in range(args.runs)) - empty
    finally:
        server.stop()
    crc = statistics.median(walls)
    imports = statistics.median(i["import"] for i in inside)
    answers = statistics.median(i["answer"] for i in inside)
    print(f"Cold start to the CRC answer, X webhook function ({args.runs} fresh interpreters):")
    answer = [i["import"] + i["answer"] for i in inside]
    print(
        f"  our code to the answer     {statistics.median(answer) * 1000:.0f} ms median,"
        f" max {max(answer) * 1000:.0f} ms (import + deps + answer, in the process)"
    )
    print(f"  whole process, median      {crc * 1000:.0f} ms (max {max(walls) * 1000:.0f} ms)")
    print(f"    import functions/ingest_x {imports * 1000:.0f} ms")
    print(
        f"    build deps + answer       {answers * 1000:.0f} ms"
        " (settings, brands, secret read, HMAC)"
    )
    ours = statistics.median(answer)
    print(f"  baseline: import boto3     {boto * 1000:.0f} ms -> answer {ours / boto:.2f}x")
    print(f"  floor: boto3 + secret read {floor * 1000:.0f} ms -> answer {ours / floor:.2f}x")
    print("  budget: X's 3 s (legacy docs) minus API Gateway and Lambda's own init (~0.2-0.5 s)")


if __name__ == "__main__":
    main()
