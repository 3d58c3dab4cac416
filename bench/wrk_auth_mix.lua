-- wrk script for bench/reference_throughput.py: a mix of valid and bogus tokens, every answer checked.
--
-- Run with one connection per thread (-t N -c N): each thread's Lua state then sees request() and
-- response() strictly alternate for its one connection (wrk does not pipeline), so the answer to each
-- request is checked against what that request's token must get: VALID_STATUS with VALID_MARKER in
-- the body for a valid token, 403 "unauthorized\n" for a bogus one. A bogus token that gets a valid
-- token's answer, or any answer below 400, is "admitted".
--
--   wrk -t200 -c200 -d10s -s wrk_auth_mix.lua URL -- TOKENS_FILE PATH VALID_EVERY VALID_STATUS VALID_MARKER
-- TOKENS_FILE lines: "valid <token>" or "bogus <kind> <token>"; VALID_EVERY=2 sends a valid token on
-- every 2nd request (50 %), 10 on every 10th (10 %).

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  tokens_file, path, valid_every = args[1], args[2], tonumber(args[3])
  valid_status, valid_marker = tonumber(args[4]), args[5]
  valid, bogus, bogus_kind = {}, {}, {}
  for line in io.lines(tokens_file) do
    local class, a, b = line:match("^(%S+) (%S+) ?(%S*)$")
    if class == "valid" then valid[#valid + 1] = a
    elseif class == "bogus" then bogus[#bogus + 1] = b; bogus_kind[#bogus_kind + 1] = a end
  end
  n = id                 -- threads start at different points of the rotation
  pending = nil          -- the class of the last request made, nil once answered
  ok_valid, ok_bogus, wrong, admitted, lost, first_wrong = 0, 0, 0, 0, 0, ""
end

function request()
  -- wrk asks again when a write would block before any byte left (EAGAIN): the earlier request was
  -- never sent, the new one replaces it. A request sent and never answered shows as a wrk socket error
  -- or timeout instead (no pipelining: the connection sends nothing more until it is answered).
  if pending ~= nil then lost = lost + 1 end
  n = n + 1
  local token
  if n % valid_every == 0 then
    pending = "valid"; token = valid[math.floor(n / valid_every) % #valid + 1]
  else
    local i = n % #bogus + 1
    pending = bogus_kind[i]; token = bogus[i]
  end
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. token})
end

function response(status, headers, body)
  local class = pending
  pending = nil
  if class == nil then wrong = wrong + 1; return end
  if class == "valid" then
    if status == valid_status and body:find(valid_marker, 1, true) then
      ok_valid = ok_valid + 1
      return
    end
  elseif status == 403 and body == "unauthorized\n" then
    ok_bogus = ok_bogus + 1
    return
  elseif status < 400 or (status == valid_status and body:find(valid_marker, 1, true)) then
    admitted = admitted + 1     -- the answer only an admitted request gets (or any success)
  end
  wrong = wrong + 1
  if first_wrong == "" then first_wrong = class .. " -> " .. status end
end

function done(summary, latency, requests)
  local t = {ok_valid = 0, ok_bogus = 0, wrong = 0, admitted = 0, lost = 0}
  local first = ""
  for _, th in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + th:get(k) end
    if first == "" then first = th:get("first_wrong") end
  end
  local e = summary.errors
  io.write(string.format('AIGW-RESULT {"ok_valid":%d,"ok_bogus":%d,"wrong":%d,"admitted":%d,"lost":%d,' ..
    '"first_wrong":"%s","connect":%d,"read":%d,"write":%d,"timeout":%d,"status_errors":%d,' ..
    '"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    t.ok_valid, t.ok_bogus, t.wrong, t.admitted, t.lost, first, e.connect, e.read, e.write, e.timeout,
    e.status, summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max))
end
