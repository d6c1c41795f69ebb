/**
 * The Lua scripts behind RedisBuckets: each runs atomically in Redis, so a read-modify-write needs no lock.
 * rate-limiter-flexible models fixed windows of points; a continuously refilled token bucket is not that, so it is
 * these scripts (same rules as the SQL stores).
 *
 * Lua numbers are doubles, like JavaScript's: values are formatted with %.17g so they round-trip exactly
 * (Redis would otherwise store 14 digits and reply with integers). Key lifetimes are durations from the
 * caller's `now`, plus a margin for clocks that differ between nodes; reads still judge by `now`.
 */
import type { Redis } from 'ioredis';

const NUM = `local function num(x) if x == nil then return false end return string.format('%.17g', x) end
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
 * KEYS[1] the bucket hash; ARGV now, capacity, refill_per_second, margin. Puts back one token taken earlier, never
 * above capacity; a bucket gone (full, or lost) stays gone, as a missing bucket is a full one, and one the token fills
 * is deleted. Replies 1 if it existed.
 */
const GIVE_BACK_TOKEN = `${NUM}
local now, capacity, rate, margin = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 't', 'u')
local tokens, updated = tonumber(state[1]), tonumber(state[2])
if tokens == nil then return 0 end
tokens = math.min(capacity, tokens + math.max(0, now - updated) * rate + 1)
if tokens >= capacity then return redis.call('DEL', KEYS[1]) end
local full = now + math.floor((capacity - tokens) / rate) + 1
redis.call('HSET', KEYS[1], 't', num(tokens), 'u', ARGV[1], 'f', num(full))
redis.call('EXPIRE', KEYS[1], math.ceil(full - now) + margin)
return 1
`;

/**
 * KEYS the keys a SCAN found; ARGV now, and the key prefixes of old failure counters, buckets and the denylist.
 * Deletes what can no longer matter at `now`, judged inside the script so a key changed meanwhile is judged as
 * it is: full buckets, expired denylist entries, and every brute-force counter an earlier version kept here (they
 * live in SQL now). Replies the number of counters deleted (denylist entries are counted by the SQL store, which has them too).
 */
const PURGE = `
local now = tonumber(ARGV[1])
local purged = 0
local function starts(key, prefix) return string.sub(key, 1, #prefix) == prefix end
for _, key in ipairs(KEYS) do
  if starts(key, ARGV[2]) then
    purged = purged + redis.call('DEL', key)
  elseif starts(key, ARGV[3]) then
    local full = tonumber(redis.call('HGET', key, 'f'))
    if full ~= nil and full <= now then purged = purged + redis.call('DEL', key) end
  elseif starts(key, ARGV[4]) then
    local expires = tonumber(redis.call('GET', key))
    if expires ~= nil and expires <= now then redis.call('DEL', key) end
  end
end
return purged
`;

type Arg = string | number;

export interface Scripts {
  tollgateTakeToken(key: string, ...args: Arg[]): Promise<[number, string]>;
  tollgateGiveBackToken(key: string, ...args: Arg[]): Promise<number>;
  tollgatePurge(numberOfKeys: number, ...keysAndArgs: Arg[]): Promise<number>;
}

export function defineScripts(redis: Redis): void {
  redis.defineCommand('tollgateTakeToken', { numberOfKeys: 1, lua: TAKE_TOKEN });
  redis.defineCommand('tollgateGiveBackToken', { numberOfKeys: 1, lua: GIVE_BACK_TOKEN });
  redis.defineCommand('tollgatePurge', { lua: PURGE });
}

/** The client, seen with the commands defineScripts added (ioredis types cannot know them). */
export function scripts(redis: Redis): Scripts {
  return redis as unknown as Scripts;
}
