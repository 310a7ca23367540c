// The Lua scripts limits run in Redis. CONSUME steps every bucket it is given (same
// arithmetic as algorithm.ts) and writes all of them only when all fit; on a single Redis
// one call covers a whole decision, on a Cluster one call covers the buckets of one subject
// (one slot) and REFUND gives back what an admitted group consumed when another group of
// the same decision refused (redis-store.ts). Time comes from the caller (ARGV[1]), the
// same clock the memory store uses, so the stores behave identically; expiries are TTLs
// relative to that clock.
import { createHash } from 'node:crypto';

// Stored values (space-separated, so one GET reads a bucket):
//   lifetime: 'count expiry gen'          (expiry: when the counter ends, caller's clock)
//   rolling:  'tat tmax refunded gen'     (tat: GCRA theoretical arrival time; tmax: the
//              latest caller time that stepped it; refunded: total given back by REFUND)
// gen names one life of a key (set by the call that created it), so a refund never lands
// on a counter that expired and started again in between.
//
// CONSUME: KEYS[i] bucket keys. ARGV[1] now (ms), ARGV[2] when lifetime counters may be
// forgotten (ms), ARGV[3] gen for keys this call creates, ARGV[4] '1' to return refund
// data, then four per bucket: kind ('s' lifetime | 'r' rolling), max, window ms, cost.
// Returns { allowed 1|0, index of first exceeded bucket (1-based, 0 = none), retry ms,
// then remaining, reset ms, full ms for each bucket }, and with ARGV[4] = '1' and allowed,
// per bucket: the three states as if rejected, then for its key: value written, units
// consumed (lifetime) or ms of schedule consumed (rolling), refunded before, tmax written
// (0 for lifetime), gen.
export const CONSUME_SCRIPT = `
local EPS = 1e-9
local now = tonumber(ARGV[1])
local counterExp = tonumber(ARGV[2])
local newGen = ARGV[3]
local wantRefund = ARGV[4] == '1'
local n = #KEYS
local pending, pendingExp, pendingKind, admitted, rejected = {}, {}, {}, {}, {}
local gens, tmaxs, refunded, amount = {}, {}, {}, {}
local firstMiss, retry = 0, 0
local function fl(x) return math.floor(x + EPS) end
local function f(x) return string.format('%.17g', x) end
for i = 1, n do
  local a = 4 + (i - 1) * 4
  local kind, max, W, cost = ARGV[a + 1], tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  local key = KEYS[i]
  local stored = pending[key]
  if stored == nil and pendingKind[key] == nil then
    local raw = redis.call('GET', key)
    if raw then
      if kind == 's' then
        local c, e, g = string.match(raw, '^(%S+) (%S+) ?(%S*)$')
        if c and now < tonumber(e) then
          stored = tonumber(c)
          pendingExp[key] = tonumber(e)
          if g ~= '' then gens[key] = g end
        end
      else
        local t, m, r, g = string.match(raw, '^(%S+) (%S+) (%S+) (%S+)$')
        if t then
          stored, tmaxs[key], refunded[key], gens[key] = tonumber(t), tonumber(m), tonumber(r), g
        else
          stored = tonumber(raw)
        end
      end
    end
    amount[key] = 0
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
    amount[key] = amount[key] + cost
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
    amount[key] = amount[key] + cost * T
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
    if gens[key] == nil then gens[key] = newGen end
    local value
    if pendingKind[key] == 's' then
      value = f(v) .. ' ' .. f(pendingExp[key]) .. ' ' .. gens[key]
    else
      tmaxs[key] = math.max(tmaxs[key] or now, now)
      refunded[key] = refunded[key] or 0
      value = f(v) .. ' ' .. f(tmaxs[key]) .. ' ' .. f(refunded[key]) .. ' ' .. gens[key]
    end
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
if wantRefund and firstMiss == 0 then
  for i = 1, n do
    local key, r = KEYS[i], rejected[i]
    out[#out + 1] = r[1]
    out[#out + 1] = r[2]
    out[#out + 1] = r[3]
    out[#out + 1] = f(pending[key])
    out[#out + 1] = f(amount[key])
    out[#out + 1] = f(refunded[key] or 0)
    out[#out + 1] = f(tmaxs[key] or 0)
    out[#out + 1] = gens[key]
  end
end
return out
`;

// REFUND: KEYS[i] distinct bucket keys of one slot. ARGV[1] the refused decision's now
// (ms), then six per key, from CONSUME's refund data: kind, amount, value written,
// refunded before, tmax written, gen. Returns, per key, what was given back (a string).
//
// Lifetime counters are sums, so the units come back exactly. A rolling bucket is a
// schedule: its units occupied the span [written - amount, written), behind the work
// queued ahead of it then (written - amount - tmax written, never more); refunds since
// may have moved the span earlier by at most that much (assume the most, so never give
// back too much), and whatever part of it the latest caller time has passed is spent.
// Only what is left comes back: all of it unless the clock moved on in between.
export const REFUND_SCRIPT = `
local t0 = tonumber(ARGV[1])
local out = {}
local function f(x) return string.format('%.17g', x) end
for i = 1, #KEYS do
  local b = 1 + (i - 1) * 6
  local kind, amt, written, r0, m0, gen = ARGV[b + 1], tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3]), tonumber(ARGV[b + 4]), tonumber(ARGV[b + 5]), ARGV[b + 6]
  local key = KEYS[i]
  local raw = redis.call('GET', key)
  local give, value = 0, nil
  if raw and amt > 0 then
    if kind == 's' then
      local c, e, g = string.match(raw, '^(%S+) (%S+) (%S+)$')
      if c and g == gen and t0 < tonumber(e) then
        give = math.min(amt, tonumber(c))
        value = f(tonumber(c) - give) .. ' ' .. e .. ' ' .. g
      end
    else
      local t, m, r, g = string.match(raw, '^(%S+) (%S+) (%S+) (%S+)$')
      if t and g == gen then
        t, m, r = tonumber(t), tonumber(m), tonumber(r)
        local frontier = math.max(m, t0)
        local ahead = math.max(0, written - amt - m0)
        local shift = math.min(r - r0, ahead)
        give = math.min(amt, written - shift - frontier, t - frontier)
        if give > 0 then value = f(t - give) .. ' ' .. f(m) .. ' ' .. f(r + give) .. ' ' .. g else give = 0 end
      end
    end
  end
  if value then
    local ttl = redis.call('PTTL', key)
    if ttl > 0 then redis.call('SET', key, value, 'PX', ttl) elseif ttl == -1 then redis.call('SET', key, value) end
  end
  out[i] = f(give)
end
return out
`;

export const CONSUME_SCRIPT_SHA = createHash('sha1').update(CONSUME_SCRIPT).digest('hex');
export const REFUND_SCRIPT_SHA = createHash('sha1').update(REFUND_SCRIPT).digest('hex');
