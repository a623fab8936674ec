// Lua scripts of the Redis session store: each operation is one atomic script, so replicas never interleave.
//
// Keys (P = key prefix): P ses:<id> (hash: m sealed metadata, l last active, e absolute end, o owner hash),
// P ses:<id>:msgs (list of "<messageId>|<sealed message>"), P ses:<id>:pseud (sealed pseudonym map),
// P sessions (zset id → deadline) and P owner:<owner hash> (zset id → deadline). ARGV: prefix, id, now, idle, slack.

const COMMON = `
local p, id = ARGV[1], ARGV[2]
local now, idle, slack = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local meta = p .. 'ses:' .. id
local msgs, pseud = meta .. ':msgs', meta .. ':pseud'
local function purge()
  local owner = redis.call('HGET', meta, 'o')
  local existed = redis.call('DEL', meta, msgs, pseud)
  redis.call('ZREM', p .. 'sessions', id)
  if owner then redis.call('ZREM', p .. 'owner:' .. owner, id) end
  return existed
end
local function live()
  local f = redis.call('HMGET', meta, 'l', 'e')
  if not f[1] then return false end
  if now >= tonumber(f[2]) or now >= tonumber(f[1]) + idle then purge() return false end
  return true
end
local function touch(last)
  redis.call('HSET', meta, 'l', last)
  local deadline = math.min(tonumber(redis.call('HGET', meta, 'e')), tonumber(last) + idle)
  local ttl = math.max(1, deadline - now + slack)
  local ms = string.format('%d', ttl)
  redis.call('PEXPIRE', meta, ms)
  redis.call('PEXPIRE', msgs, ms)
  redis.call('PEXPIRE', pseud, ms)
  local d = string.format('%d', deadline)
  redis.call('ZADD', p .. 'sessions', d, id)
  local ownerKey = p .. 'owner:' .. redis.call('HGET', meta, 'o')
  redis.call('ZADD', ownerKey, d, id)
  if redis.call('PTTL', ownerKey) < ttl then redis.call('PEXPIRE', ownerKey, ms) end
end
local function read()
  return { redis.call('HMGET', meta, 'm', 'l', 'e'), redis.call('GET', pseud), redis.call('LRANGE', msgs, 0, -1) }
end
`;

/** ARGV 6: sealed metadata, 7: last active, 8: expires at, 9: owner hash, 10: sealed pseudonyms or '', 11…: entries. */
export const CREATE = `${COMMON}
purge()
redis.call('HSET', meta, 'm', ARGV[6], 'l', ARGV[7], 'e', ARGV[8], 'o', ARGV[9])
if ARGV[10] ~= '' then redis.call('SET', pseud, ARGV[10]) end
for i = 11, #ARGV do redis.call('RPUSH', msgs, ARGV[i]) end
touch(ARGV[7])
return 1`;

export const GET = `${COMMON}
if not live() then return false end
return read()`;

/** ARGV 6: sealed pseudonyms or '', 7…: entries to append. */
export const APPEND = `${COMMON}
if not live() then return false end
for i = 7, #ARGV do redis.call('RPUSH', msgs, ARGV[i]) end
if ARGV[6] ~= '' then redis.call('SET', pseud, ARGV[6]) end
touch(ARGV[3])
return 1`;

/** ARGV 6: message id, 7: its new entry. */
export const UPDATE = `${COMMON}
if not live() then return false end
local entries = redis.call('LRANGE', msgs, 0, -1)
local head = ARGV[6] .. '|'
for i, entry in ipairs(entries) do
  if string.sub(entry, 1, #head) == head then
    redis.call('LSET', msgs, i - 1, ARGV[7])
    return 1
  end
end
return false`;

/** ARGV 6: index of the first message to drop. */
export const TRUNCATE = `${COMMON}
if not live() then return false end
local from = tonumber(ARGV[6])
if from <= 0 then redis.call('DEL', msgs) else redis.call('LTRIM', msgs, 0, from - 1) end
touch(ARGV[3])
return 1`;

export const DELETE = `${COMMON}
return purge()`;

/** Removes every session whose deadline passed; each id is reported by exactly one replica. ARGV 6: batch size. */
export const SWEEP = `${COMMON}
local expired = redis.call('ZRANGEBYSCORE', p .. 'sessions', '-inf', ARGV[3], 'LIMIT', 0, tonumber(ARGV[6]))
for _, sid in ipairs(expired) do
  id, meta = sid, p .. 'ses:' .. sid
  msgs, pseud = meta .. ':msgs', meta .. ':pseud'
  purge()
end
return expired`;

/**
 * Replaces the sealed metadata if it is still ARGV 6 (else returns 0: another replica changed it); the idle timer is
 * left alone. ARGV 7: new metadata.
 */
export const PATCH = `${COMMON}
if not live() then return false end
if redis.call('HGET', meta, 'm') ~= ARGV[6] then return 0 end
redis.call('HSET', meta, 'm', ARGV[7])
return read()`;

/** The live sessions of one owner: { id, sealed metadata, last active, end } each. ARGV 6: owner hash. */
export const LIST_BY_OWNER = `${COMMON}
local out = {}
for _, sid in ipairs(redis.call('ZRANGEBYSCORE', p .. 'owner:' .. ARGV[6], '(' .. ARGV[3], '+inf')) do
  local f = redis.call('HMGET', p .. 'ses:' .. sid, 'm', 'l', 'e')
  if f[1] and now < tonumber(f[3]) and now < tonumber(f[2]) + idle then
    table.insert(out, { sid, f[1], f[2], f[3] })
  end
end
return out`;
