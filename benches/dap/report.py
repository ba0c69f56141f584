"""Table and JSON of the DAP2 benchmark, from the files run.sh leaves in benches/.work/dap/.

    report.py WORK_DIR OUT.json

Reads meta.json, check.json, floor.json, load/{das,hyperslab}-{server}.json and
stream/{server}-{run}.{curl,rss}.json; prints the table and the targets, writes OUT.json.
"""

import glob
import json
import os
import statistics
import sys

SERVERS = ["iroise", "pydap", "xpublish"]
LABEL = {"iroise": "Iroise", "pydap": "pydap 3.5.9 (gunicorn)", "xpublish": "xpublish-opendap 0.2.0 (uvicorn)"}
TESTS = {"das": "`.das`", "hyperslab": "hyperslab `.dods` (100x100 int16)"}
TARGET_RATIO = 10.0
TARGET_STREAM = 1.5
FLAT_MIB = 64


def load(path):
    try:
        return json.load(open(path))
    except (OSError, ValueError):
        return None


def short(reason):
    return "fails the checks (below)" if reason.startswith("fails the checks") else reason


def fmt(x, digits=0):
    if x is None:
        return "n/a"
    return f"{x:,.{digits}f}"


def main() -> None:
    work, out = sys.argv[1], sys.argv[2]
    meta = load(os.path.join(work, "meta.json")) or {}
    check = load(os.path.join(work, "check.json")) or {}
    floor = load(os.path.join(work, "floor.json")) or {}
    res = {"meta": meta, "check": check, "floor": floor, "load": {}, "stream": {}, "targets": {}}

    # --- load passes
    for test in TESTS:
        for s in SERVERS:
            r = load(os.path.join(work, "load", f"{test}-{s}.json"))
            if r:
                r["rps"] = r["ok"] / r["duration_s"] if r["duration_s"] else None
                r["failed"] = r["ok"] != r["requests"] or r["requests"] == 0 or any(r["errors"].values())
            res["load"].setdefault(test, {})[s] = r

    # --- streams
    for s in SERVERS:
        runs = []
        for curl_file in sorted(glob.glob(os.path.join(work, "stream", f"{s}-*.curl.json"))):
            c = load(curl_file) or {}
            m = load(curl_file.replace(".curl.json", ".rss.json")) or {}
            ok = c.get("http_code") == 200 and c.get("size_download", 0) >= meta.get("stream_value_bytes", 1)
            runs.append(
                {
                    "run": int(curl_file.rsplit("-", 1)[1].split(".")[0]),
                    "ok": ok,
                    "http_code": c.get("http_code"),
                    "bytes": c.get("size_download"),
                    "seconds": c.get("time_total"),
                    "mb_per_s": c["size_download"] / c["time_total"] / 1e6 if ok and c.get("time_total") else None,
                    "rss_first_mib": m["first_kib"] / 1024 if m.get("first_kib") else None,
                    "rss_peak_mib": m["peak_kib"] / 1024 if m.get("peak_kib") else None,
                    "rss_processes": m.get("processes"),
                }
            )
        runs.sort(key=lambda r: r["run"])
        good = [r for r in runs if r["ok"]]
        res["stream"][s] = {
            "runs": runs,
            "failed": bool(runs) and len(good) < len(runs),
            "median_mb_per_s": statistics.median([r["mb_per_s"] for r in good]) if good else None,
            "first_mb_per_s": runs[0]["mb_per_s"] if runs else None,
            "rss_before_mib": runs[0]["rss_first_mib"] if runs else None,
            "rss_peak_mib": max((r["rss_peak_mib"] or 0) for r in runs) if runs else None,
            "rss_growth_mib": max(((r["rss_peak_mib"] or 0) - (r["rss_first_mib"] or 0)) for r in runs) if runs else None,
        } if runs else None

    # --- table
    lines = []
    p = lines.append
    p(f"DAP2 benchmark, {meta.get('date', '?')}, commit {meta.get('commit', '?')}, {meta.get('cores', '?')} cores, "
      f"cores {meta.get('cpu_busy_before_pct', '?')}% busy before the passes and "
      f"{meta.get('cpu_busy_after_pct', '?')}% after, load {meta.get('loadavg_before', '?')}")
    p(f"wrk: {meta.get('threads')} threads, {meta.get('concurrency')} connections, {meta.get('duration_s')} s a pass "
      f"after a {meta.get('warmup_s')} s warm-up; Python servers: {meta.get('py_workers')} worker processes each")
    p("")
    p("| test | server | requests/s | p50 | p99 | errors | Iroise vs this |")
    p("|---|---|---:|---:|---:|---:|---:|")
    for test, title in TESTS.items():
        rows = res["load"].get(test, {})
        ir = rows.get("iroise")
        for s in SERVERS:
            r = rows.get(s)
            if r is None:
                why = short(meta.get("skipped", {}).get(s) or "not run")
                p(f"| {title} | {LABEL[s]} | {why} | | | | |")
                continue
            bad = r["requests"] - r["ok"] + sum(r["errors"].values())
            ratio = ir["rps"] / r["rps"] if ir and ir.get("rps") and r.get("rps") else None
            p(f"| {title} | {LABEL[s]} | {fmt(r['rps'])} | {r['latency_us']['p50'] / 1000:.1f} ms | "
              f"{r['latency_us']['p99'] / 1000:.1f} ms | {bad} | {'' if s == 'iroise' else fmt(ratio, 1)} |")
    hs = floor.get("hyperslab")
    if hs and hs.get("open_close"):
        p(f"| {TESTS['das']} | floor: netCDF-C open + close of the granule, in-process (1 thread) | "
          f"{fmt(hs['open_close']['opens_per_s'])} | {hs['open_close']['seconds_per_open'] * 1e3:.2f} ms | | | |")
    if hs:
        p(f"| {TESTS['hyperslab']} | floor: netCDF-C in-process, file kept open (1 thread) | {fmt(hs['open_file']['reads_per_s'])} | "
          f"{hs['open_file']['seconds_per_read'] * 1e6:.0f} µs | | | |")
        p(f"| {TESTS['hyperslab']} | floor: netCDF-C in-process, open + read + close (1 thread) | "
          f"{fmt(hs['open_read_close']['reads_per_s'])} | {hs['open_read_close']['seconds_per_read'] * 1e3:.2f} ms | | | |")
    p("")
    vb = meta.get("stream_value_bytes")
    p(f"Full-variable `.dods` stream, {vb / 1e6 if vb else 0:.1f} MB of values, one client (curl), "
      f"{meta.get('stream_runs')} runs each:")
    p("")
    p("| server | MB/s (median) | MB/s (first run) | RSS before | RSS peak during | growth | floor / this |")
    p("|---|---:|---:|---:|---:|---:|---:|")
    fl = floor.get("full")
    floor_mbs = fl["best_mb_per_s"] if fl else None
    for s in SERVERS:
        st = res["stream"].get(s)
        if st is None:
            p(f"| {LABEL[s]} | {short(meta.get('skipped', {}).get(s) or 'not run')} | | | | | |")
            continue
        slow = floor_mbs / st["median_mb_per_s"] if floor_mbs and st["median_mb_per_s"] else None
        p(f"| {LABEL[s]} | {fmt(st['median_mb_per_s'], 1)} | {fmt(st['first_mb_per_s'], 1)} | {fmt(st['rss_before_mib'])} MiB | "
          f"{fmt(st['rss_peak_mib'])} MiB | {fmt(st['rss_growth_mib'])} MiB | {fmt(slow, 2)} |")
    if fl:
        p(f"| floor: netCDF-C in-process, one call | {fmt(fl['one_call']['mb_per_s'], 1)} | | | | | |")
        p(f"| floor: netCDF-C in-process, one time step per call | {fmt(fl['per_time_step']['mb_per_s'], 1)} | | | | | |")
    p("")

    # --- targets
    t = res["targets"]
    for test in TESTS:
        ir, py = res["load"].get(test, {}).get("iroise"), res["load"].get(test, {}).get("pydap")
        ratio = ir["rps"] / py["rps"] if ir and py and ir.get("rps") and py.get("rps") else None
        t[f"{test}_vs_pydap"] = {"target": TARGET_RATIO, "value": ratio, "met": ratio is not None and ratio >= TARGET_RATIO}
    st = res["stream"].get("iroise")
    slow = floor_mbs / st["median_mb_per_s"] if st and floor_mbs and st["median_mb_per_s"] else None
    t["stream_vs_floor"] = {"target": TARGET_STREAM, "value": slow, "met": slow is not None and slow <= TARGET_STREAM}
    growth = st["rss_growth_mib"] if st else None
    t["stream_rss_flat"] = {"target_growth_mib": FLAT_MIB, "growth_mib": growth, "peak_mib": st["rss_peak_mib"] if st else None,
                            "met": growth is not None and growth <= FLAT_MIB}
    for s, why in meta.get("skipped", {}).items():
        p(f"{LABEL[s]}: {why}")
    if meta.get("skipped"):
        p("")

    def word(x, key="value"):
        return "not measured" if x.get(key) is None else ("met" if x["met"] else "MISSED")

    p("Targets:")
    for test in TESTS:
        x = t[f"{test}_vs_pydap"]
        p(f"- {TESTS[test]}: Iroise {fmt(x['value'], 1)} times pydap (target >= {TARGET_RATIO:.0f}): {word(x)}")
    x = t["stream_vs_floor"]
    p(f"- stream: the floor is {fmt(x['value'], 2)} times Iroise's throughput (target <= {TARGET_STREAM}): {word(x)}")
    x = t["stream_rss_flat"]
    p(f"- RSS during the stream: peak {fmt(x['peak_mib'])} MiB, growth {fmt(x['growth_mib'])} MiB "
      f"(flat: growth <= {FLAT_MIB} MiB): {word(x, 'growth_mib')}")
    failures = [f"{test}/{s}" for test, rows in res["load"].items() for s, r in rows.items() if r and r["failed"]]
    failures += [f"stream/{s}" for s, st in res["stream"].items() if st and st["failed"]]
    failures += [f"check/{s}" for s, c in check.items() if isinstance(c, dict) and c.get("problems")]
    res["failures"] = failures
    if failures:
        p(f"FAILED passes: {', '.join(failures)}")
    print("\n".join(lines))
    res["table"] = lines
    json.dump(res, open(out, "w"), indent=2)


if __name__ == "__main__":
    main()
