-- wrk script: optional method/body/id rotation from the environment; prints one JSON line at the end.
local method = os.getenv("WRK_METHOD") or "GET"
local body = os.getenv("WRK_BODY")
local token = os.getenv("WRK_TOKEN")
local template = os.getenv("WRK_PATH_TEMPLATE")
local ids = {}
local ids_file = os.getenv("WRK_IDS")
if ids_file then
  for line in io.lines(ids_file) do ids[#ids + 1] = line end
end
local counter = 0

request = function()
  local path = wrk.path
  if #ids > 0 then
    counter = counter + 1
    path = string.format(template, ids[(counter - 1) % #ids + 1])
  end
  local headers = {["Content-Type"] = "application/json", ["Host"] = "127.0.0.1"}
  if token then headers["Authorization"] = "Bearer " .. token end
  return wrk.format(method, path, headers, body)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "requests": %d, "duration_s": %.3f, "non2xx": %d, "socket_errors": %d}\n',
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.requests, summary.duration / 1e6, e.status,
    e.connect + e.read + e.write + e.timeout))
end
