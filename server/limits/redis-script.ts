// The one Lua script a decision runs in Redis: it steps every bucket (same arithmetic as
// algorithm.ts), and writes all of them only when all fit. Time comes from the caller
// (ARGV[1]), the same clock the memory store uses, so the two stores behave identically;
// expiries are set as TTLs relative to that clock.
import { createHash } from 'node:crypto';

// KEYS[i]: bucket keys. ARGV[1]: now (ms), ARGV[2]: when lifetime counters may be forgotten
// (ms), then four per bucket: kind ('s' lifetime | 'r' rolling), max, window ms, cost.
// Returns { allowed 1|0, index of first exceeded bucket (1-based, 0 = none), retry ms,
// then remaining, reset ms, full ms for each bucket }.
export const CONSUME_SCRIPT = `
local EPS = 1e-9
local now = tonumber(ARGV[1])
local counterExp = tonumber(ARGV[2])
local n = #KEYS
local pending, pendingExp, pendingKind, admitted, rejected = {}, {}, {}, {}, {}
local firstMiss, retry = 0, 0
local function fl(x) return math.floor(x + EPS) end
for i = 1, n do
  local a = 2 + (i - 1) * 4
  local kind, max, W, cost = ARGV[a + 1], tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  local key = KEYS[i]
  -- lifetime counters are stored as 'count expiry' so they end on the caller's clock too
  local stored = pending[key]
  if stored == nil then
    local raw = redis.call('GET', key)
    if raw then
      local c, e = string.match(raw, '^(%S+) (%S+)$')
      if c then
        if now < tonumber(e) then
          stored = tonumber(c)
          pendingExp[key] = tonumber(e)
        end
      else
        stored = tonumber(raw)
      end
    end
  end
  local nextv, expAt, ok, ra
  if kind == 's' then
    local used = stored or 0
    local untilEnd = math.max(0, counterExp - now)
    local function st(u)
      local rem = math.max(0, fl(max - u))
      local reset, full = 0, 0
      if rem < 1 then reset = untilEnd end
      if u > 0 then full = untilEnd end
      return { rem, reset, full }
    end
    ok = used + cost <= max + EPS
    nextv, expAt, ra = used + cost, counterExp, untilEnd
    admitted[i], rejected[i] = st(used + cost), st(used)
  elseif max <= 0 then
    ok = (cost == 0)
    nextv, expAt, ra = stored or now, now, W
    admitted[i] = { 0, W, 0 }
    rejected[i] = admitted[i]
  else
    local T = W / max
    local base = math.max(stored or now, now)
    local function st(tat)
      return { math.max(0, fl((now + W - tat) / T)), math.max(0, math.ceil(tat + T - W - now)), math.max(0, math.ceil(tat - now)) }
    end
    nextv = base + cost * T
    ok = (nextv - now <= W + EPS)
    expAt = math.ceil(nextv)
    if cost * T > W then ra = W else ra = math.max(0, math.ceil(nextv - W - now)) end
    admitted[i], rejected[i] = st(nextv), st(base)
  end
  pending[key] = nextv
  pendingKind[key] = kind
  if pendingExp[key] == nil or expAt > pendingExp[key] then pendingExp[key] = expAt end
  if not ok then
    if firstMiss == 0 then firstMiss = i end
    if ra > retry then retry = ra end
  end
end
local out = {}
local states = admitted
if firstMiss > 0 then
  states = rejected
  out[1], out[2], out[3] = 0, firstMiss, retry
else
  for key, v in pairs(pending) do
    -- a TTL relative to the caller's now, so a clock offset between caller and Redis
    -- cannot expire a live key early; only ever extended
    local ttl = math.ceil(pendingExp[key] - now)
    local cur = redis.call('PTTL', key)
    if cur > ttl then ttl = cur end
    if ttl < 1 then ttl = 1 end
    local value = string.format('%.17g', v)
    if pendingKind[key] == 's' then value = value .. ' ' .. string.format('%.17g', pendingExp[key]) end
    redis.call('SET', key, value, 'PX', ttl)
  end
  out[1], out[2], out[3] = 1, 0, 0
end
for i = 1, n do
  local s = states[i]
  out[#out + 1] = s[1]
  out[#out + 1] = s[2]
  out[#out + 1] = s[3]
end
return out
`;

export const CONSUME_SCRIPT_SHA = createHash('sha1').update(CONSUME_SCRIPT).digest('hex');
