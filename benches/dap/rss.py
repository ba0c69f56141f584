"""Samples the resident memory of server processes and their descendants (gunicorn and uvicorn
workers), every 50 ms, until SIGTERM or SIGINT; then writes a JSON summary.

    rss.py OUT.json PID [PID...]

Summary (KiB): first (before the measured request), peak (largest sum over one sample), last,
and the peak per process. The process tree is looked up again every second.
"""

import json
import os
import signal
import sys
import time

INTERVAL = 0.05


def children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(")") + 2 :].split()[1])
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def tree(roots: list[int]) -> list[int]:
    kids, out, todo = children(), [], list(roots)
    while todo:
        pid = todo.pop()
        if pid not in out:
            out.append(pid)
            todo.extend(kids.get(pid, []))
    return out


def rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main() -> None:
    out, roots = sys.argv[1], [int(p) for p in sys.argv[2:]]
    stop = False

    def on_signal(*_):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    pids, looked_up = tree(roots), time.monotonic()
    first = peak = last = None
    per_peak: dict[int, int] = {}
    samples = 0
    start = time.monotonic()
    while not stop:
        now = time.monotonic()
        if now - looked_up > 1.0:
            pids, looked_up = tree(roots), now
        values = {pid: rss_kib(pid) for pid in pids}
        total = sum(values.values())
        for pid, v in values.items():
            per_peak[pid] = max(per_peak.get(pid, 0), v)
        first = total if first is None else first
        peak = total if peak is None else max(peak, total)
        last = total
        samples += 1
        time.sleep(INTERVAL)
    json.dump(
        {
            "interval_s": INTERVAL,
            "samples": samples,
            "seconds": round(time.monotonic() - start, 3),
            "processes": len(per_peak),
            "first_kib": first,
            "peak_kib": peak,
            "last_kib": last,
            "peak_per_process_kib": {str(k): v for k, v in sorted(per_peak.items())},
        },
        open(out, "w"),
        indent=2,
    )


if __name__ == "__main__":
    main()
