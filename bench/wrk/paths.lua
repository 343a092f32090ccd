-- GET a list of paths in turn (one path per line in the file given after `--`), optionally
-- starting at a given line and sending a cookie with every request.
-- Usage: wrk -s bench/wrk/paths.lua http://127.0.0.1:8000 -- paths.txt [first line] [cookie]
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

local paths, index

function init(args)
   paths = lines_of(args[1])
   index = (tonumber(args[2] or "0") or 0) + (thread_id or 0)
   if args[3] and args[3] ~= "" then wrk.headers["Cookie"] = args[3] end
end

function request()
   local path = paths[(index % #paths) + 1]
   index = index + 1
   return wrk.format("GET", path)
end
