"""The Redis keys of the jobs shared by every gdviz process (``gdviz.cluster``), and the Lua
scripts that change them, each atomically. All keys are under ``gdviz:``:

- ``job:{id}``     hash: config, status, done, created / started / finished (wall clock), cancel,
                   changes (the live changes as JSON: ``[{"epoch": first epoch, knob: value}, ...]``)
- ``events:{id}``  stream: SSE event N is entry ``0-N`` (fields ``e`` event, ``d`` JSON data)
- ``lease:{id}``   the training process's token; it expires unless that process renews it
- ``queue``        list of jobs waiting for their first turn, in order
- ``live``         sorted set of the unfinished jobs (for the GDVIZ_MAX_JOBS cap)
- ``running``      set of the claimed jobs: one whose lease is gone lost its process
- ``upload:{id}``  hash: filename, csv
- ``news``         channel: ``queued`` (wakes an idle worker), ``cancel ID``, ``change {JSON}``
- ``reply:{ask}``  list: the answer to one live change, from the process that trains the job
"""

PREFIX = "gdviz:"

_LAST_SEQ = """
local function last_seq(key)
  local top = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)
  if #top == 0 then return 0 end
  return tonumber(string.match(top[1][1], '-(%d+)$'))
end
"""

# KEYS: events; ARGV: first id, maxlen, then event, data pairs. Ids at or below the top are kept.
APPEND = (
    _LAST_SEQ
    + """
local n, top = tonumber(ARGV[1]), last_seq(KEYS[1])
for i = 3, #ARGV, 2 do
  if n > top then
    redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[2], '0-' .. n, 'e', ARGV[i], 'd', ARGV[i + 1])
  end
  n = n + 1
end
"""
)

# ARGV: prefix, token, lease ms, now. Pops the queue until a job still queued; claims it.
CLAIM_NEXT = (
    _LAST_SEQ
    + """
local p = ARGV[1]
while true do
  local id = redis.call('LPOP', p .. 'queue')
  if not id then return false end
  local job = p .. 'job:' .. id
  if redis.call('HGET', job, 'status') == 'queued' then
    redis.call('HSET', job, 'status', 'running', 'started', ARGV[4])
    redis.call('SET', p .. 'lease:' .. id, ARGV[2], 'PX', ARGV[3])
    redis.call('SADD', p .. 'running', id)
    local changes = redis.call('HGET', job, 'changes') or '[]'
    return {id, redis.call('HGET', job, 'config'), last_seq(p .. 'events:' .. id), changes}
  end
end
"""
)

# KEYS: job, lease, events; ARGV: token, lease ms. Claims a running job whose lease lapsed.
TAKE_OVER = (
    _LAST_SEQ
    + """
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return false end
if not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
local changes = redis.call('HGET', KEYS[1], 'changes') or '[]'
return {redis.call('HGET', KEYS[1], 'config'), last_seq(KEYS[3]), changes}
"""
)

# ARGV: prefix. The running jobs without a lease.
ORPHANS = """
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', ARGV[1] .. 'running')) do
  if redis.call('EXISTS', ARGV[1] .. 'lease:' .. id) == 0 then out[#out + 1] = id end
end
return out
"""

# Appends ARGV[1], one change's JSON, to the job's list of changes (kept as text: Lua's JSON would
# round the numbers).
_ADD_CHANGE = """
local function add_change(job, change)
  local old = redis.call('HGET', job, 'changes')
  redis.call('HSET', job, 'changes', (old and string.sub(old, 1, -2) .. ',' or '[') .. change .. ']')
end
"""

# KEYS: job; ARGV: the change at epoch 1. A queued job takes it here; answers the status.
CHANGE_QUEUED = (
    _ADD_CHANGE
    + """
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'queued' then add_change(KEYS[1], ARGV[1]) end
return status
"""
)

# KEYS: job, lease; ARGV: change, token. The training process keeps a change it decided.
RECORD_CHANGE = (
    _ADD_CHANGE
    + """
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return 0 end
if redis.call('GET', KEYS[2]) ~= ARGV[2] then return 0 end
add_change(KEYS[1], ARGV[1])
return 1
"""
)

# KEYS: lease, job; ARGV: token, lease ms. -1: the lease is someone else's; 1: cancel asked.
RENEW = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if redis.call('HGET', KEYS[2], 'cancel') then return 1 end
return 0
"""

# KEYS: job, events, live, running, lease; ARGV: id, done JSON, status, now, ttl ms, token.
FINISH = """
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'queued' or status == 'running' then
  redis.call('HSET', KEYS[1], 'status', ARGV[3], 'done', ARGV[2], 'finished', ARGV[4])
end
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('SREM', KEYS[4], ARGV[1])
if redis.call('GET', KEYS[5]) == ARGV[6] then redis.call('DEL', KEYS[5]) end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
"""

# KEYS: job, events, live, queue; ARGV: id, done JSON, now, ttl ms, maxlen. A queued job ends
# here; a running one is asked to stop (its process reads ``cancel``). Answers the status before.
CANCEL = (
    _LAST_SEQ
    + """
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'queued' then
  local n = last_seq(KEYS[2]) + 1
  redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[5], '0-' .. n, 'e', 'done', 'd', ARGV[2])
  redis.call('HSET', KEYS[1], 'status', 'cancelled', 'done', ARGV[2], 'finished', ARGV[3])
  redis.call('LREM', KEYS[4], 0, ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
elseif status == 'running' then
  redis.call('HSET', KEYS[1], 'cancel', '1')
end
return status
"""
)


def key(kind: str, id: str = "") -> str:
    return f"{PREFIX}{kind}:{id}" if id else f"{PREFIX}{kind}"
