-- wrk script of the DAP2 benchmark (benches/dap/run.sh): every request is GET PATH; every answer
-- must be a 200 whose body is exactly EXPECTED bytes (the size checked, with the values, by
-- check.py before the pass). At the end, one JSON line on stdout:
--   DAPLOAD {"requests":..,"ok":..,"bad_status":..,"bad_size":..,"first_bad":..,"duration_s":..,
--            "errors":{..},"latency_us":{"mean":..,"p50":..,"p90":..,"p99":..,"max":..}}
--
--   wrk -t T -c C -d Ds -s load.lua http://127.0.0.1:PORT -- PATH EXPECTED

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    expected = tonumber(args[2])
    ok, bad_status, bad_size, first_bad = 0, 0, 0, ""
    -- wrk builds the request once, from wrk.path, after init().
    wrk.path = args[1]
end

function response(status, headers, body)
    if status ~= 200 then
        bad_status = bad_status + 1
        if first_bad == "" then first_bad = "status " .. status end
    elseif #body ~= expected then
        bad_size = bad_size + 1
        if first_bad == "" then first_bad = "body of " .. #body .. " bytes, expected " .. expected end
    else
        ok = ok + 1
    end
end

function done(summary, latency, requests)
    local n_ok, n_status, n_size, first = 0, 0, 0, ""
    for _, t in ipairs(threads) do
        n_ok = n_ok + t:get("ok")
        n_status = n_status + t:get("bad_status")
        n_size = n_size + t:get("bad_size")
        if first == "" then first = t:get("first_bad") end
    end
    local e = summary.errors
    io.write(string.format(
        'DAPLOAD {"requests":%d,"ok":%d,"bad_status":%d,"bad_size":%d,"first_bad":"%s","duration_s":%.6f,'
            .. '"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
            .. '"latency_us":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"max":%d}}\n',
        summary.requests, n_ok, n_status, n_size, first, summary.duration / 1e6, summary.bytes,
        e.connect, e.read, e.write, e.status, e.timeout,
        latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
