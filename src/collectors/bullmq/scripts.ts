/**
 * The two read-only Lua scripts the BullMQ collector runs. A script reads many queues in one
 * call, so a scrape costs a constant number of round trips whatever the number of queues, and
 * answers with one JSON text per call (decoded by JSON.parse), instead of ~20 replies per queue
 * for the client to parse. Each call holds Redis for as long as its queues take
 * (`queuesPerCall`, `JOBS_PER_CALL`), so calls stay short.
 * Key layout and semantics: see docs/collectors/bullmq.md (checked against BullMQ in tests).
 */

/** Field order of one queue's reply from QUEUE_STATE_LUA. */
export const QUEUE_FIELDS = [
  'waiting',
  'oldestWaiting',
  'active',
  'paused',
  'prioritized',
  'delayed',
  'waitingChildren',
  'completed',
  'failed',
  'meta',
  'metricsCompleted',
  'metricsFailed',
  'added',
  'limiterTtl',
  'limiterValue',
  'nextDelayedScore',
  'oldestActiveProcessedOn',
  'newCompleted',
  'newFailed',
] as const;

/**
 * Every key of a queue QUEUE_STATE_LUA reads, after `<prefix>:<queue>:` (besides the job hashes of
 * the oldest waiting and active jobs, which BullMQ changes only while moving them between these).
 * changes.ts tracks them: a write to any of them makes the queue be read again. A test reads
 * the script's commands under MONITOR and checks this list against them.
 */
export const QUEUE_KEYS = [
  'wait',
  'active',
  'paused',
  'prioritized',
  'delayed',
  'waiting-children',
  'completed',
  'failed',
  'meta',
  'metrics:completed',
  'metrics:failed',
  'id',
  'limiter',
] as const;

/** Longest job id or member returned as is, in bytes; longer ones come back as `sha1:<hex>` of the member. */
export const MAX_ID_BYTES = 256;
/** Longest job name returned, in bytes. */
export const MAX_NAME_BYTES = 200;
/** Longest error text returned for a queue that could not be read, in bytes. */
export const MAX_ERROR_BYTES = 200;

/**
 * Lua shared by both scripts. `idOf` bounds what a member (a job id) can cost: one of 64 KB would
 * otherwise cross the wire and sit in memory on every scrape; its digest still names it uniquely
 * (such a job is not found by its digest, so it is counted but not sampled).
 */
const LUA_HELPERS = `
local MAX_ID = ${MAX_ID_BYTES}
local function idOf(member)
  if type(member) ~= 'string' then return false end
  if #member <= MAX_ID then return member end
  return 'sha1:' .. redis.sha1hex(member)
end
local function errText(e)
  if type(e) == 'table' and e.err then e = e.err end
  return string.sub(tostring(e), 1, ${MAX_ERROR_BYTES})
end
`;

/**
 * KEYS[i]   key prefix of queue i: `<prefix>:<queue>:`
 * ARGV[2i-1], ARGV[2i]: completed / failed reading mode for queue i:
 *   `<keep`                 first read: the newest `keep` jobs, newest first (sets the watermark)
 *   `>score:limit:newest`   jobs with score >= score (ms), at most `limit`, oldest first; nothing
 *                           when the set's newest member is still `newest` (no job finished since)
 * Returns, as JSON, one entry per queue: `{"err": text}` when one of its keys could not be read
 * (a key of the wrong type: WRONGTYPE), else an array with fields in QUEUE_FIELDS order, `false`
 * where a key is absent:
 *   waiting count (BullMQ's rule for a legacy "0:" marker at the tail), oldest waiting job
 *   {id, timestamp, opts.delay, processedOn}, active, legacy paused list, prioritized, delayed,
 *   waiting-children, completed, failed (LLEN/ZCARD), meta {paused, concurrency, max, duration},
 *   metrics:completed/failed count, id counter, limiter PTTL (-2 when absent) and value (only while alive),
 *   lowest delayed score, processedOn of the oldest active job, then {id, score, ...} of finished jobs.
 * Each queue is read under pcall, so one queue's bad key never blinds the others. A job hash of
 * the wrong type only leaves that job's times unread (redis.pcall). Every string is cut here
 * (ids with idOf, values with string.sub), so a hostile value never crosses the wire whole.
 * Cost: each redis.call is ~1 µs of Redis time, so the states most queues leave empty are tested
 * with one EXISTS, and an unchanged newest member spares the range read.
 */
export const QUEUE_STATE_LUA = `
local rcall = redis.call
local out = {}
${LUA_HELPERS}
local function cut(v, n)
  if type(v) ~= 'string' then return false end
  return string.sub(v, 1, n)
end
local function ids(list)
  for j = 1, #list, 2 do list[j] = idOf(list[j]) end
  return list
end
local function finished(key, mode)
  if string.sub(mode, 1, 1) == '<' then
    return ids(rcall('ZREVRANGE', key, 0, tonumber(string.sub(mode, 2)) - 1, 'WITHSCORES'))
  end
  local a = string.find(mode, ':', 2, true)
  local b = string.find(mode, ':', a + 1, true)
  if idOf(rcall('ZRANGE', key, -1, -1)[1]) == string.sub(mode, b + 1) then return {} end
  return ids(rcall('ZRANGEBYSCORE', key, string.sub(mode, 2, a - 1), '+inf', 'WITHSCORES', 'LIMIT', 0, tonumber(string.sub(mode, a + 1, b - 1))))
end
-- A job hash's fields, or {} when it is not a hash (its queue's counts stay readable).
local function jobFields(key, ...)
  local r = redis.pcall('HMGET', key, ...)
  if type(r) == 'table' and r.err then return {} end
  return r
end
local function readQueue(k, i)
  local waiting = rcall('LLEN', k .. 'wait')
  local oldest = false
  if waiting > 0 then
    local tail = rcall('LINDEX', k .. 'wait', -1)
    if string.sub(tail, 1, 2) == '0:' then
      waiting = waiting - 1
      tail = waiting > 0 and rcall('LINDEX', k .. 'wait', -2) or false
    end
    if tail then
      local job = jobFields(k .. tail, 'timestamp', 'opts', 'processedOn')
      local delay = false
      -- Decoding opts is the costliest step here: only when it sets a delay, and only when small.
      if type(job[2]) == 'string' and #job[2] <= 65536 and string.find(job[2], '"delay"', 1, true) then
        local ok, opts = pcall(cjson.decode, job[2])
        if ok and type(opts) == 'table' and type(opts.delay) == 'number' then delay = tostring(opts.delay) end
      end
      oldest = { idOf(tail), cut(job[1], 32), delay, cut(job[3], 32) }
    end
  end
  local active, paused, prioritized, delayed, children = 0, 0, 0, 0, 0
  local activeProcessedOn, nextDelayed = false, false
  if rcall('EXISTS', k .. 'active', k .. 'paused', k .. 'prioritized', k .. 'delayed', k .. 'waiting-children') > 0 then
    active = rcall('LLEN', k .. 'active')
    if active > 0 then
      activeProcessedOn = cut(jobFields(k .. rcall('LINDEX', k .. 'active', -1), 'processedOn')[1], 32)
    end
    paused = rcall('LLEN', k .. 'paused')
    prioritized = rcall('ZCARD', k .. 'prioritized')
    delayed = rcall('ZCARD', k .. 'delayed')
    if delayed > 0 then nextDelayed = rcall('ZRANGE', k .. 'delayed', 0, 0, 'WITHSCORES')[2] or false end
    children = rcall('ZCARD', k .. 'waiting-children')
  end
  -- One MGET for both strings (MGET answers nil for a key of another type); the limiter's TTL only while it exists.
  local strings = rcall('MGET', k .. 'id', k .. 'limiter')
  local ttl = strings[2] and rcall('PTTL', k .. 'limiter') or -2
  local completed = rcall('ZCARD', k .. 'completed')
  local failed = rcall('ZCARD', k .. 'failed')
  local meta = rcall('HMGET', k .. 'meta', 'paused', 'concurrency', 'max', 'duration')
  for j = 1, 4 do meta[j] = cut(meta[j], 32) end
  return {
    waiting, oldest, active, paused, prioritized, delayed, children, completed, failed,
    meta,
    cut(rcall('HGET', k .. 'metrics:completed', 'count'), 32),
    cut(rcall('HGET', k .. 'metrics:failed', 'count'), 32),
    cut(strings[1], 32),
    ttl, ttl > 0 and cut(strings[2], 32) or false,
    nextDelayed, activeProcessedOn,
    completed > 0 and finished(k .. 'completed', ARGV[2 * i - 1]) or {},
    failed > 0 and finished(k .. 'failed', ARGV[2 * i]) or {},
  }
end
for i = 1, #KEYS do
  local ok, result = pcall(readQueue, KEYS[i], i)
  if ok then out[i] = result else out[i] = { err = errText(result) } end
end
return cjson.encode(out)
`;

/** Jobs read per JOB_DETAILS_LUA call at most. */
export const JOBS_PER_CALL = 500;

/**
 * KEYS[i]  job hash `<prefix>:<queue>:<id>`
 * ARGV[1]  longest failedReason returned, in bytes
 * ARGV[1+i] 'c' for a completed job, 'f' for a failed one
 * Returns, as JSON, per job {timestamp, processedOn, finishedOn} and for failed jobs also
 * {name (cut to MAX_NAME_BYTES), failedReason (cut), attemptsMade}; `false` when the job hash is
 * gone (removed) or is not a hash (redis.pcall: one bad key costs only its own job).
 */
export const JOB_DETAILS_LUA = `
local out = {}
local reasonBytes = tonumber(ARGV[1])
local function cut(v, n)
  if type(v) ~= 'string' then return false end
  return string.sub(v, 1, n)
end
for i = 1, #KEYS do
  local f = redis.pcall('HMGET', KEYS[i], 'timestamp', 'processedOn', 'finishedOn', 'name', 'failedReason', 'atm', 'attemptsMade')
  if f.err or (not f[1] and not f[3]) then
    out[i] = false
  elseif ARGV[i + 1] == 'f' then
    out[i] = { cut(f[1], 32), cut(f[2], 32), cut(f[3], 32), cut(f[4], ${MAX_NAME_BYTES}), cut(f[5], reasonBytes), cut(f[6] or f[7], 32) }
  else
    out[i] = { cut(f[1], 32), cut(f[2], 32), cut(f[3], 32) }
  end
end
return cjson.encode(out)
`;
