-- GET a list of paths in turn (one path per line in the file given after `--`).
-- Usage: wrk -s bench/wrk/paths.lua http://127.0.0.1:8000 -- paths.txt
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

local paths, index

function init(args)
   paths = lines_of(args[1])
   index = thread_id or 0
end

function request()
   local path = paths[(index % #paths) + 1]
   index = index + 1
   return wrk.format("GET", path)
end
