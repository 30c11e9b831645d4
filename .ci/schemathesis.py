#!/usr/bin/env python3
"""Schemathesis against the OpenAPI document EMSS serves, as six kinds of user.

Starts `emss serve --demo` on a fresh SQLite database, signs in as a field engineer, a reviewer,
an enterprise, a district regulator, the city regulator and the system administrator, and runs
schemathesis once per user with the checks "no server error", "status code documented",
"content type documented" and "response matches schema". `/api/v1/auth/*` is left out: fuzzing
it would lock the accounts it signs in with. Bounded in examples per operation and in wall time
per user; any failure fails the run.

Usage: .ci/schemathesis.py [path to the emss binary]   (default: target/debug/emss)
"""

import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
VENV = ROOT / "target" / "schemathesis-venv"
REQUIREMENTS = ROOT / ".ci" / "schemathesis-requirements.txt"
PORT = 18181
BASE = f"http://127.0.0.1:{PORT}"
PASSWORD = "Schemathesis-Run-2026"
# The system administrator last: its fuzzing may disable the other accounts.
USERS = ["filer_a", "reviewer_a", "ent_a", "district_a", "city", "sysadmin"]
EXAMPLES_PER_OPERATION = "10"
SECONDS_PER_USER = 300
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    ]
)


def schemathesis() -> pathlib.Path:
    exe = VENV / "bin" / "schemathesis"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(VENV / "bin" / "pip"), "install", "-q", "-r", str(REQUIREMENTS)], check=True
        )
    return exe


def post_json(path: str, body: dict) -> dict:
    request = urllib.request.Request(
        BASE + path,
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def wait_ready(server: subprocess.Popen) -> None:
    for _ in range(120):
        if server.poll() is not None:
            sys.exit(f"emss exited with {server.returncode} before it was ready")
        try:
            with urllib.request.urlopen(BASE + "/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    sys.exit("emss was not ready within two minutes")


def main() -> int:
    binary = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "target" / "debug" / "emss"
    st = schemathesis()
    data = pathlib.Path(tempfile.mkdtemp(prefix="emss-schemathesis-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMSS_") and k != "DATABASE_URL"}
    env["EMSS_DEMO_PASSWORD"] = PASSWORD
    log = open(data / "server.log", "w")
    server = subprocess.Popen(
        [str(binary), "serve", "--demo", "--listen", f"127.0.0.1:{PORT}", "--data-dir", str(data)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    failed = []
    try:
        wait_ready(server)
        for user in USERS:
            token = post_json("/api/v1/auth/login", {"username": user, "password": PASSWORD})["token"]
            print(f"\n== schemathesis as {user} ==", flush=True)
            started = time.monotonic()
            try:
                result = subprocess.run(
                    [
                        str(st),
                        "run",
                        BASE + "/api/v1/openapi.json",
                        "--header",
                        f"Authorization: Bearer {token}",
                        "--checks",
                        CHECKS,
                        "--exclude-path-regex",
                        "^/api/v1/auth/",
                        "--max-examples",
                        EXAMPLES_PER_OPERATION,
                        "--seed",
                        "20261206",
                        "--workers",
                        "1",
                        "--request-timeout",
                        "20",
                        "--no-color",
                    ],
                    timeout=SECONDS_PER_USER,
                    cwd=data,
                )
                if result.returncode != 0:
                    failed.append(user)
            except subprocess.TimeoutExpired:
                print(f"schemathesis as {user} ran past {SECONDS_PER_USER} s", flush=True)
                failed.append(user)
            print(f"({user}: {time.monotonic() - started:.0f} s)", flush=True)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    panics = [line for line in open(data / "server.log") if "panicked" in line]
    if panics:
        print("the server log names panics:\n" + "".join(panics[:20]))
        failed.append("panics")
    if failed:
        print(f"\nschemathesis failed for: {', '.join(failed)} (server log kept in {data})")
        return 1
    shutil.rmtree(data, ignore_errors=True)
    print("\nschemathesis: no server error, every answer documented and matching its schema")
    return 0


if __name__ == "__main__":
    sys.exit(main())
