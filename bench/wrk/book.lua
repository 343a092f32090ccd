-- POST the booking form, each request to a different free slot (one slot id per line in the
-- file given after `--`); thread n of N takes slots n, n+N, n+2N ... so no two requests of
-- the run aim at one slot unless the list runs out (then they wrap and get 409 "just taken").
-- CSRF: a fixed cookie and the same unmasked secret in the form, which Django accepts.
-- Usage: wrk -s bench/wrk/book.lua http://127.0.0.1:8000 -- slots.txt <key prefix> <threads>
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

local CSRF = "benchcsrfsecret0123456789abcdefg"  -- 32 characters, like Django's secret
local slots, prefix, step, index, sent

function init(args)
   slots = lines_of(args[1])
   prefix = args[2]
   step = tonumber(args[3])
   index = thread_id or 0
   sent = 0
   wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
   wrk.headers["Cookie"] = "csrftoken=" .. CSRF
end

function request()
   local slot = slots[(index % #slots) + 1]
   index = index + step
   sent = sent + 1
   local body = "csrfmiddlewaretoken=" .. CSRF ..
      "&patient_name=Alex+Bench&email=alex.bench%40example.org&phone=212-555-0123" ..
      "&date_of_birth=1980-05-17&patient_kind=new&reason=&accessibility_needs=&consent=on&website=" ..
      "&submission_key=" .. prefix .. "-" .. (thread_id or 0) .. "-" .. sent
   return wrk.format("POST", "/book/slot/" .. slot .. "/", nil, body)
end
