/**
 * The Lua scripts behind RedisAttempts: each runs atomically in Redis, so a read-modify-write needs no lock.
 * rate-limiter-flexible models fixed windows of points; a consecutive-failure count with a block start time
 * and a continuously refilled token bucket are not that, so they are these scripts (same rules as the SQL stores).
 *
 * Lua numbers are doubles, like JavaScript's: values are formatted with %.17g so they round-trip exactly
 * (Redis would otherwise store 14 digits and reply with integers). Key lifetimes are durations from the
 * caller's `now`, plus a margin for clocks that differ between nodes; reads still judge by `now`.
 */
import type { Redis } from 'ioredis';

const NUM = `local function num(x) if x == nil then return false end return string.format('%.17g', x) end
`;

/** KEYS[1] the failures hash {f, b, e, l}; ARGV now, threshold, block_ttl ('' = none), retention, margin. Replies {failures, blocked_at, block_expires_at}. */
const ADD_FAILURE = `${NUM}
local now, threshold, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local retention, margin = tonumber(ARGV[4]), tonumber(ARGV[5])
local state = redis.call('HMGET', KEYS[1], 'f', 'b', 'e')
local failures, blocked, expires = tonumber(state[1]), tonumber(state[2]), tonumber(state[3])
if failures == nil or (expires ~= nil and expires <= now) then
  failures, blocked, expires = 0, nil, nil
  redis.call('DEL', KEYS[1])
end
failures = failures + 1
if blocked == nil and failures >= threshold then
  blocked = now
  if ttl ~= nil then expires = now + ttl end
end
redis.call('HSET', KEYS[1], 'f', num(failures), 'l', ARGV[1])
if blocked ~= nil then redis.call('HSET', KEYS[1], 'b', num(blocked)) end
if expires ~= nil then redis.call('HSET', KEYS[1], 'e', num(expires)) end
if blocked == nil then
  redis.call('EXPIRE', KEYS[1], math.ceil(retention) + margin)
elseif expires == nil then
  redis.call('PERSIST', KEYS[1])
else
  redis.call('EXPIRE', KEYS[1], math.max(1, math.ceil(expires - now)) + margin)
end
return {num(failures), num(blocked), num(expires)}
`;

/**
 * KEYS[1] the bucket hash {t tokens, u updated_at, f full_at}; ARGV now, capacity, refill_per_second, margin.
 * Takes one token if the bucket holds one. Replies {taken (1/0), level before the take}.
 */
const TAKE_TOKEN = `${NUM}
local now, capacity, rate, margin = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 't', 'u')
local tokens, updated = tonumber(state[1]), tonumber(state[2])
local level = capacity
if tokens ~= nil then level = math.min(capacity, tokens + math.max(0, now - updated) * rate) end
if level < 1 then return {0, num(level)} end
tokens = level - 1
local full = now + math.floor((capacity - tokens) / rate) + 1
redis.call('HSET', KEYS[1], 't', num(tokens), 'u', ARGV[1], 'f', num(full))
redis.call('EXPIRE', KEYS[1], math.ceil(full - now) + margin)
return {1, num(level)}
`;

/**
 * KEYS the keys a SCAN found; ARGV now, retention, and the key prefixes of failures, buckets and the denylist.
 * Deletes what can no longer matter at `now`, judged inside the script so a key changed meanwhile is judged as
 * it is. Replies the number of counters deleted (denylist entries are counted by the SQL store, which has them too).
 */
const PURGE = `
local now, retention = tonumber(ARGV[1]), tonumber(ARGV[2])
local purged = 0
local function starts(key, prefix) return string.sub(key, 1, #prefix) == prefix end
for _, key in ipairs(KEYS) do
  if starts(key, ARGV[3]) then
    local s = redis.call('HMGET', key, 'b', 'e', 'l')
    local blocked, expires, last = tonumber(s[1]), tonumber(s[2]), tonumber(s[3])
    if (expires ~= nil and expires <= now) or (blocked == nil and last ~= nil and last <= now - retention) then
      purged = purged + redis.call('DEL', key)
    end
  elseif starts(key, ARGV[4]) then
    local full = tonumber(redis.call('HGET', key, 'f'))
    if full ~= nil and full <= now then purged = purged + redis.call('DEL', key) end
  elseif starts(key, ARGV[5]) then
    local expires = tonumber(redis.call('GET', key))
    if expires ~= nil and expires <= now then redis.call('DEL', key) end
  end
end
return purged
`;

type Arg = string | number;

export interface Scripts {
  tollgateAddFailure(key: string, ...args: Arg[]): Promise<[string, string | null, string | null]>;
  tollgateTakeToken(key: string, ...args: Arg[]): Promise<[number, string]>;
  tollgatePurge(numberOfKeys: number, ...keysAndArgs: Arg[]): Promise<number>;
}

export function defineScripts(redis: Redis): void {
  redis.defineCommand('tollgateAddFailure', { numberOfKeys: 1, lua: ADD_FAILURE });
  redis.defineCommand('tollgateTakeToken', { numberOfKeys: 1, lua: TAKE_TOKEN });
  redis.defineCommand('tollgatePurge', { lua: PURGE });
}

/** The client, seen with the commands defineScripts added (ioredis types cannot know them). */
export function scripts(redis: Redis): Scripts {
  return redis as unknown as Scripts;
}
