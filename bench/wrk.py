"""Run wrk on a cycle of (path, Accept) requests and parse its report."""
from __future__ import annotations

import os
import re
import subprocess
import tempfile

LUA = """paths = {%s}
accepts = {%s}
i = 0
request = function()
  i = i %% #paths + 1
  if accepts[i] == "" then return wrk.format("GET", paths[i]) end
  return wrk.format("GET", paths[i], {["Accept"] = accepts[i]})
end
"""


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unit_ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def parse(out: str) -> dict:
    """Requests/s, p50/p99/max latency and errors (socket errors and non-2xx/3xx answers) of a report."""
    latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M))
    maximum = re.search(r"^\s+Latency\s+\S+\s+\S+\s+(\S+)", out, re.M)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    kinds = dict(zip(("connect", "read", "write", "timeout"), map(int, errors.groups()))) if errors else {}
    kinds["non_2xx"] = int(non2xx.group(1)) if non2xx else 0
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "requests": int(re.search(r"(\d+) requests in", out).group(1)),
            "p50_ms": unit_ms(latency["50"]), "p99_ms": unit_ms(latency["99"]),
            "max_ms": unit_ms(maximum.group(1)) if maximum else None,
            "errors": sum(kinds.values()), "error_kinds": kinds}


def run_wrk(url: str, requests: list[tuple[str, str | None]], seconds: int = 5, connections: int = 8,
            threads: int = 2, timeout: float = 10) -> dict:
    """``wrk -t2 -c8 -d<seconds>s --latency`` cycling through ``requests``; the parsed report."""
    paths = ", ".join(lua_string(path) for path, _ in requests)
    accepts = ", ".join(lua_string(accept or "") for _, accept in requests)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % (paths, accepts))
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", f"--timeout={timeout:g}s",
               "--latency", "-s", script.name, url]
    try:
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)
    report = parse(out)
    report["command"] = f"wrk -t{threads} -c{connections} -d{seconds}s --latency"
    return report
