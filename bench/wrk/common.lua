-- Shared by every wrk script of the benchmark: threads are numbered, response codes are
-- counted per class, and `done` prints one JSON line that bench/run.py reads.

local threads = {}
local counter = 0

function setup(thread)
   thread:set("thread_id", counter)
   table.insert(threads, thread)
   counter = counter + 1
end

function lines_of(path)
   local items = {}
   for line in io.lines(path) do
      if line ~= "" then table.insert(items, line) end
   end
   return items
end

n2xx, n3xx, n4xx, n409, n429, n5xx = 0, 0, 0, 0, 0, 0

function response(status, headers, body)
   if status >= 500 then n5xx = n5xx + 1
   elseif status == 409 then n409 = n409 + 1
   elseif status == 429 then n429 = n429 + 1
   elseif status >= 400 then n4xx = n4xx + 1
   elseif status >= 300 then n3xx = n3xx + 1
   else n2xx = n2xx + 1 end
end

function done(summary, latency, requests)
   local counts = {n2xx = 0, n3xx = 0, n4xx = 0, n409 = 0, n429 = 0, n5xx = 0}
   for _, thread in ipairs(threads) do
      for name, _ in pairs(counts) do
         counts[name] = counts[name] + (thread:get(name) or 0)
      end
   end
   local errors = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
      '"max_us": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, ' ..
      '"non_2xx_3xx": %d, "n2xx": %d, "n3xx": %d, "n4xx": %d, "n409": %d, "n429": %d, "n5xx": %d}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.max, errors.connect, errors.read, errors.write, errors.timeout,
      errors.status, counts.n2xx, counts.n3xx, counts.n4xx, counts.n409, counts.n429, counts.n5xx))
end
