#!/usr/bin/env python3
"""Summaries for benches/maps/run.sh. Standard library only.

    report.py summarise RUN_DIR EXPECTED     one load pass -> RUN_DIR/summary.json (and stdout);
                                             exit 1 when a request failed or is missing
    report.py rss PID [PID...]               VmRSS and VmHWM (MiB) of processes, summed, as JSON
    report.py final WORK OUT.json            WORK/meta.json + WORK/runs/*/summary.json + WORK/mem/*.json
                                             -> the results file, and a table on stdout

A pass is the thread-K.txt files that tiles.lua writes: one header line
(id answered sent first_us last_us non200 not_png body_bytes), one line naming the first bad
response or "-", then one latency in microseconds a line.
"""
import json
import math
import pathlib
import sys


def percentile(sorted_values, p):
    """Linear interpolation between closest ranks (numpy's default), on sorted values."""
    if not sorted_values:
        return float("nan")
    k = (len(sorted_values) - 1) * p / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def summarise(run_dir, expected):
    run_dir = pathlib.Path(run_dir)
    files = sorted(run_dir.glob("thread-*.txt"))
    latencies, firsts, lasts, problems = [], [], [], []
    answered = sent = non200 = not_png = body_bytes = 0
    for f in files:
        lines = f.read_text().splitlines()
        _id, a, s, first, last, n200, npng, nbytes = (int(v) for v in lines[0].split())
        answered += a
        sent += s
        non200 += n200
        not_png += npng
        body_bytes += nbytes
        firsts.append(first)
        lasts.append(last)
        if lines[1] != "-":
            problems.append(lines[1])
        latencies.extend(int(v) for v in lines[2:])
    latencies.sort()
    wall_s = (max(lasts) - min(firsts)) / 1e6 if files else float("nan")
    ms = [v / 1000.0 for v in latencies]
    summary = {
        "requests": answered,
        "expected": expected,
        "threads_reported": len(files),
        "retried": sent - answered,
        "non_200": non200,
        "not_png": not_png,
        "errors": non200 + not_png + (sent - answered) + (expected - answered),
        "wall_s": round(wall_s, 4),
        "tiles_per_s": round(answered / wall_s, 1) if wall_s > 0 else None,
        "latency_ms": {
            "p50": round(percentile(ms, 50), 3),
            "p90": round(percentile(ms, 90), 3),
            "p99": round(percentile(ms, 99), 3),
            "max": round(ms[-1], 3) if ms else None,
            "mean": round(sum(ms) / len(ms), 3) if ms else None,
        },
        "mean_png_bytes": round(body_bytes / answered) if answered else None,
        "first_problem": problems[0] if problems else None,
    }
    (run_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary))
    return 0 if summary["errors"] == 0 and answered == expected else 1


def rss(pids):
    total = {"VmRSS": 0, "VmHWM": 0}
    for pid in pids:
        try:
            for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
                key, _, value = line.partition(":")
                if key in total:
                    total[key] += int(value.split()[0])  # kB
        except FileNotFoundError:
            pass
    print(json.dumps({"rss_mib": round(total["VmRSS"] / 1024, 1), "hwm_mib": round(total["VmHWM"] / 1024, 1),
                      "processes": len(pids)}))
    return 0


def fmt(v, spec):
    return "n/a" if v is None else format(v, spec)


def load(path):
    path = pathlib.Path(path)
    return json.loads(path.read_text()) if path.exists() else None


def final(work, out_path):
    """Assemble WORK/meta.json, WORK/runs/SERVER-PASS/summary.json and WORK/mem/*.json."""
    work = pathlib.Path(work)
    meta = load(work / "meta.json")
    runs = {}
    for server in ("mapserver", "iroise"):
        for phase in ("cold", "warm"):
            r = load(work / "runs" / f"{server}-{phase}" / "summary.json")
            if r:
                runs.setdefault(server, {})[phase] = r
    meta["runs"] = runs

    def run(server, phase):
        return runs.get(server, {}).get(phase)

    def mem(name, key="rss_mib"):
        m = load(work / "mem" / f"{name}.json")
        return m.get(key) if m else None

    ratios = {}
    for phase in ("cold", "warm"):
        ms, ir = run("mapserver", phase), run("iroise", phase)
        if ms and ir and ms.get("tiles_per_s") and ir.get("tiles_per_s"):
            ratios[phase] = round(ir["tiles_per_s"] / ms["tiles_per_s"], 2)
    meta["ratios_iroise_over_mapserver"] = ratios

    caches, margin = meta.get("caches_mib"), meta.get("margin_mib")
    iroise_mem = {
        "idle_rss_mib": mem("iroise-idle"),
        "after_cold_rss_mib": mem("iroise-after-cold"),
        "after_warm_rss_mib": mem("iroise-after-warm"),
        "peak_hwm_mib": mem("iroise-after-warm", "hwm_mib") or mem("iroise-after-cold", "hwm_mib"),
        "caches_mib": caches,
        "margin_mib": margin,
        "limit_mib": caches + margin if caches is not None and margin is not None else None,
        "caches_configured": meta.get("caches_configured"),
    }
    if iroise_mem["after_cold_rss_mib"] is not None:
        meta["iroise_memory"] = iroise_mem
    ms_mem = {"after_cold_rss_mib": mem("mapserver-after-cold"), "after_warm_rss_mib": mem("mapserver-after-warm"),
              "processes": (load(work / "mem" / "mapserver-after-cold.json") or {}).get("processes")}
    if ms_mem["after_cold_rss_mib"] is not None:
        meta["mapserver_memory"] = ms_mem

    targets = meta.get("targets", {})
    checks = {}
    want_ratio, want_p99 = targets.get("ratio_vs_mapserver_cold", 30), targets.get("p99_ms", 20)
    if "cold" in ratios:
        checks["iroise_vs_mapserver_cold_throughput"] = {
            "target": f">= {want_ratio}x", "value": ratios["cold"], "met": ratios["cold"] >= want_ratio}
    for phase in ("cold", "warm"):
        r = run("iroise", phase)
        if r:
            p99 = r["latency_ms"]["p99"]
            checks[f"iroise_p99_{phase}"] = {"target": f"< {want_p99} ms", "value": p99, "met": p99 < want_p99}
    if meta.get("iroise_memory") and iroise_mem["limit_mib"] and iroise_mem["peak_hwm_mib"] is not None:
        checks["iroise_rss_bounded"] = {"target": f"<= {iroise_mem['limit_mib']} MiB",
                                        "value": iroise_mem["peak_hwm_mib"],
                                        "met": iroise_mem["peak_hwm_mib"] <= iroise_mem["limit_mib"]}
    meta["checks"] = checks
    pathlib.Path(out_path).write_text(json.dumps(meta, indent=2) + "\n")

    print()
    print(f"Map tiles: {meta.get('tiles')} distinct tiles, zooms {meta.get('zooms')}, "
          f"concurrency {meta.get('concurrency')}, each URL once per pass; "
          f"MapServer: {meta.get('mapserver_procs')} FastCGI processes behind lighttpd")
    print()
    print(f"| {'server':<10} | {'pass':<5} | {'tiles/s':>9} | {'p50 ms':>8} | {'p99 ms':>8} | {'max ms':>8} "
          f"| {'errors':>6} | {'vs MapServer':>12} |")
    print(f"|{'-' * 12}|{'-' * 7}|{'-' * 11}|{'-' * 10}|{'-' * 10}|{'-' * 10}|{'-' * 8}|{'-' * 14}|")
    for server in ("mapserver", "iroise"):
        reason = (meta.get("skipped") or {}).get(server)
        if reason:
            print(f"| {server:<10} | skipped: {reason}")
            continue
        for phase in ("cold", "warm"):
            r = run(server, phase)
            if not r:
                continue
            ratio = ratios.get(phase) if server == "iroise" else 1.0
            print(f"| {server:<10} | {phase:<5} | {fmt(r['tiles_per_s'], '9.1f')} "
                  f"| {fmt(r['latency_ms']['p50'], '8.2f')} | {fmt(r['latency_ms']['p99'], '8.2f')} "
                  f"| {fmt(r['latency_ms']['max'], '8.1f')} | {r['errors']:>6} "
                  f"| {fmt(ratio, '11.2f') + 'x':>12} |")
    if meta.get("iroise_memory"):
        m = meta["iroise_memory"]
        print()
        print(f"Iroise RSS (MiB): idle {m['idle_rss_mib']}, after cold {m['after_cold_rss_mib']}, "
              f"after warm {m['after_warm_rss_mib']}, peak VmHWM {m['peak_hwm_mib']}; "
              f"bound {m['limit_mib']} = caches {m['caches_mib']} + margin {m['margin_mib']}"
              + ("" if m["caches_configured"] else " (cache keys refused by config check: server defaults)"))
    if meta.get("mapserver_memory"):
        m = meta["mapserver_memory"]
        print(f"MapServer RSS (MiB, lighttpd + mapserv processes, {m['processes']} in all): "
              f"after cold {m['after_cold_rss_mib']}, after warm {m['after_warm_rss_mib']}")
    if checks:
        print()
        for name, c in checks.items():
            print(f"  {'met   ' if c['met'] else 'MISSED'}  {name}: {c['value']} (target {c['target']})")
    print()
    print(f"results: {out_path}")
    return 0


def main(argv):
    if len(argv) >= 3 and argv[0] == "summarise":
        return summarise(argv[1], int(argv[2]))
    if len(argv) >= 2 and argv[0] == "rss":
        return rss(argv[1:])
    if len(argv) == 3 and argv[0] == "final":
        return final(argv[1], argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
