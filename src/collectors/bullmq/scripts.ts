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
  'waiting', 'oldestWaiting', 'active', 'paused', 'prioritized', 'delayed', 'waitingChildren', 'completed', 'failed',
  'meta', 'metricsCompleted', 'metricsFailed', 'added', 'limiterTtl', 'limiterValue', 'nextDelayedScore',
  'oldestActiveProcessedOn', 'newCompleted', 'newFailed',
] as const;

/**
 * KEYS[i]   key prefix of queue i: `<prefix>:<queue>:`
 * ARGV[2i-1], ARGV[2i]: completed / failed reading mode for queue i:
 *   `<keep`                 first read: the newest `keep` jobs, newest first (sets the watermark)
 *   `>score:limit:newest`   jobs with score >= score (ms), at most `limit`, oldest first; nothing
 *                           when the set's newest member is still `newest` (no job finished since)
 * Returns, as JSON, one array per queue, fields in QUEUE_FIELDS order; `false` where a key is absent:
 *   waiting count (BullMQ's rule for a legacy "0:" marker at the tail), oldest waiting job
 *   {id, timestamp, opts.delay, processedOn}, active, legacy paused list, prioritized, delayed,
 *   waiting-children, completed, failed (LLEN/ZCARD), meta {paused, concurrency, max, duration},
 *   metrics:completed/failed count, id counter, limiter PTTL (-2 when absent) and value (only while alive),
 *   lowest delayed score, processedOn of the oldest active job, then {id, score, ...} of finished jobs.
 * Cost: each redis.call is ~1 µs of Redis time, so the states most queues leave empty are tested
 * with one EXISTS, and an unchanged newest member spares the range read.
 */
export const QUEUE_STATE_LUA = `
local rcall = redis.call
local out = {}
local function finished(key, mode)
  if string.sub(mode, 1, 1) == '<' then
    return rcall('ZREVRANGE', key, 0, tonumber(string.sub(mode, 2)) - 1, 'WITHSCORES')
  end
  local a = string.find(mode, ':', 2, true)
  local b = string.find(mode, ':', a + 1, true)
  if rcall('ZRANGE', key, -1, -1)[1] == string.sub(mode, b + 1) then return {} end
  return rcall('ZRANGEBYSCORE', key, string.sub(mode, 2, a - 1), '+inf', 'WITHSCORES', 'LIMIT', 0, tonumber(string.sub(mode, a + 1, b - 1)))
end
for i = 1, #KEYS do
  local k = KEYS[i]
  local waiting = rcall('LLEN', k .. 'wait')
  local oldest = false
  if waiting > 0 then
    local tail = rcall('LINDEX', k .. 'wait', -1)
    if string.sub(tail, 1, 2) == '0:' then
      waiting = waiting - 1
      tail = waiting > 0 and rcall('LINDEX', k .. 'wait', -2) or false
    end
    if tail then
      local job = rcall('HMGET', k .. tail, 'timestamp', 'opts', 'processedOn')
      local delay = false
      -- Decoding opts is the costliest step here: only when it sets a delay.
      if job[2] and string.find(job[2], '"delay"', 1, true) then
        local ok, opts = pcall(cjson.decode, job[2])
        if ok and type(opts) == 'table' and type(opts.delay) == 'number' then delay = tostring(opts.delay) end
      end
      oldest = { tail, job[1] or false, delay, job[3] or false }
    end
  end
  local active, paused, prioritized, delayed, children = 0, 0, 0, 0, 0
  local activeProcessedOn, nextDelayed = false, false
  if rcall('EXISTS', k .. 'active', k .. 'paused', k .. 'prioritized', k .. 'delayed', k .. 'waiting-children') > 0 then
    active = rcall('LLEN', k .. 'active')
    if active > 0 then
      activeProcessedOn = rcall('HGET', k .. rcall('LINDEX', k .. 'active', -1), 'processedOn') or false
    end
    paused = rcall('LLEN', k .. 'paused')
    prioritized = rcall('ZCARD', k .. 'prioritized')
    delayed = rcall('ZCARD', k .. 'delayed')
    if delayed > 0 then nextDelayed = rcall('ZRANGE', k .. 'delayed', 0, 0, 'WITHSCORES')[2] or false end
    children = rcall('ZCARD', k .. 'waiting-children')
  end
  -- One MGET for both strings; the limiter's time to live only while it exists.
  local strings = rcall('MGET', k .. 'id', k .. 'limiter')
  local ttl = strings[2] and rcall('PTTL', k .. 'limiter') or -2
  local completed = rcall('ZCARD', k .. 'completed')
  local failed = rcall('ZCARD', k .. 'failed')
  out[i] = {
    waiting, oldest, active, paused, prioritized, delayed, children, completed, failed,
    rcall('HMGET', k .. 'meta', 'paused', 'concurrency', 'max', 'duration'),
    rcall('HGET', k .. 'metrics:completed', 'count') or false,
    rcall('HGET', k .. 'metrics:failed', 'count') or false,
    strings[1] or false,
    ttl, ttl > 0 and strings[2] or false,
    nextDelayed, activeProcessedOn,
    completed > 0 and finished(k .. 'completed', ARGV[2 * i - 1]) or {},
    failed > 0 and finished(k .. 'failed', ARGV[2 * i]) or {},
  }
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
 * {name, failedReason (cut), attemptsMade}; `false` when the job hash is gone (removed).
 */
export const JOB_DETAILS_LUA = `
local out = {}
local cut = tonumber(ARGV[1])
local rcall = redis.call
for i = 1, #KEYS do
  local f = rcall('HMGET', KEYS[i], 'timestamp', 'processedOn', 'finishedOn', 'name', 'failedReason', 'atm', 'attemptsMade')
  if not f[1] and not f[3] then
    out[i] = false
  elseif ARGV[i + 1] == 'f' then
    out[i] = { f[1] or false, f[2] or false, f[3] or false, f[4] or false, f[5] and string.sub(f[5], 1, cut) or false, f[6] or f[7] or false }
  else
    out[i] = { f[1] or false, f[2] or false, f[3] or false }
  end
end
return cjson.encode(out)
`;
