-- wrk script for benches/maps/run.sh: request every URL of a list exactly once, at a fixed
-- concurrency, and record the latency of each request.
--
--   wrk -t C -c C -d MAXs --timeout 30s -s tiles.lua http://127.0.0.1:PORT -- URLS OUTDIR C
--
-- Threads and connections are equal (C), so each wrk thread owns one keep-alive connection and
-- its requests and responses strictly alternate: the latency of each request is measured here,
-- with CLOCK_MONOTONIC through LuaJIT's FFI, instead of through wrk's own histogram (which
-- applies a coordinated-omission correction and divides by the full -d duration). Thread k takes
-- lines k, k+C, k+2C... of URLS, in order; when it has its last response it writes
-- OUTDIR/thread-k.txt and stops. run.sh waits for all C files, then ends wrk with SIGINT and
-- summarises them (report.py). wrk's own summary is kept in the log but not used.
--
-- Each response is checked: status 200 and a body that starts with the PNG signature (MapServer
-- reports WMS errors as XML with status 200).

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } iroise_bench_timespec;
int clock_gettime(int clk_id, iroise_bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local ts = ffi.new("iroise_bench_timespec")

local function now_us()
   ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
   return tonumber(ts.tv_sec) * 1000000 + math.floor(tonumber(ts.tv_nsec) / 1000)
end

local PNG_SIGNATURE = "\137PNG\r\n\26\n"

-- Main Lua state: number the threads in creation order (thread 0 is created first).
local next_id = 0
function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
end

-- Thread states from here on.
function init(args)
   urlfile, outdir, nthreads = args[1], args[2], tonumber(args[3])
   if not (urlfile and outdir and nthreads) then
      error("usage: wrk ... -s tiles.lua URL -- URLFILE OUTDIR NTHREADS")
   end
   paths = {}
   local i = 0
   for line in io.lines(urlfile) do
      if line ~= "" then
         if i % nthreads == id then
            paths[#paths + 1] = line:match("^https?://[^/]+(/.*)$") or line
         end
         i = i + 1
      end
   end
   if #paths == 0 then
      error("thread " .. id .. ": no URL for this thread (fewer URLs than connections?)")
   end
   -- wrk calls request() once in thread 0, before the run, only to check the request it builds.
   verify_call_pending = (id == 0)
   answered = 0   -- responses received
   sent = 0       -- requests written (more than answered + 1 only after a socket error)
   latencies = {}
   non200, not_png, body_bytes = 0, 0, 0
   first_bad = nil
   t_first, t_sent = nil, nil
end

function request()
   local path = paths[answered + 1] or paths[#paths]
   if verify_call_pending then
      verify_call_pending = false
      return wrk.format("GET", path)
   end
   sent = sent + 1
   t_sent = now_us()
   if not t_first then t_first = t_sent end
   return wrk.format("GET", path)
end

local function finish(t_last)
   local tmp = string.format("%s/thread-%d.txt.tmp", outdir, id)
   local f = assert(io.open(tmp, "w"))
   -- header: id answered sent first_us last_us non200 not_png body_bytes
   f:write(string.format("%d %d %d %d %d %d %d %d\n", id, answered, sent, t_first, t_last,
                         non200, not_png, body_bytes))
   f:write((first_bad or "-") .. "\n")
   for k = 1, #latencies do
      f:write(string.format("%d\n", latencies[k]))
   end
   f:close()
   assert(os.rename(tmp, string.format("%s/thread-%d.txt", outdir, id)))
end

function response(status, headers, body)
   local t = now_us()
   answered = answered + 1
   latencies[answered] = t - t_sent
   body_bytes = body_bytes + #body
   local bad = nil
   if status ~= 200 then
      non200 = non200 + 1
      bad = "status " .. status
   elseif body:sub(1, 8) ~= PNG_SIGNATURE then
      not_png = not_png + 1
      bad = "not a PNG"
   end
   if bad and not first_bad then
      local snippet = body:sub(1, 200):gsub("[%c]", " ")
      first_bad = bad .. " for " .. paths[answered] .. " : " .. snippet
   end
   if answered >= #paths then
      finish(t)
      wrk.thread:stop()
   end
end
