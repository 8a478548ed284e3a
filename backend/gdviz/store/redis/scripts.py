"""Every Lua script the Redis store runs, each changing its keys atomically, and the keys' layout.
All keys are under ``gdviz:``.

Jobs (``jobs.py``, and the threads that train them):

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
- ``wake:{id}``    stream: a follower's own, to wake its blocked read (``follower.py``)

Rooms (``rooms.py``), all expiring with the room:

- ``room:{code}``          hash: digest, expires (ms), run, player (JSON), question (current id),
                           questions (how many asked)
- ``room:{code}:q:{n}``    hash: spec (JSON), revealed ("1" once revealed)
- ``room:{code}:a:{n}``    hash: student → answer (JSON)
- ``room:{code}:runs``     list of the students' shared runs (JSON)
- ``room:{code}:events``   stream: SSE event N is entry ``0-N`` (fields ``e`` event, ``d`` data)
- ``room:{code}:posts:{student}``  sorted set: the times of a student's posts in the last minute
- ``rooms``                sorted set of the open rooms by expiry (for GDVIZ_MAX_ROOMS)

Every change to a room and its event are written by one script, so that the state and the log
agree whichever process writes.
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


# --- rooms ---

# Appends event ARGV[e], data ARGV[e + 1] to KEYS[events] as the next id; everything expires with
# the room (``exp``: its ``expires`` in ms).
_EMIT_FN = (
    _LAST_SEQ
    + """
local function emit(events, exp, event, data)
  local n = last_seq(events) + 1
  redis.call('XADD', events, '0-' .. n, 'e', event, 'd', data)
  redis.call('PEXPIREAT', events, exp)
  return n
end
"""
)

# KEYS: room, rooms, events; ARGV: code, digest, now ms, expires ms, max rooms, open event's data.
# 1 made, 0 taken, -1 full. The stream begins with ``open``: it exists as long as the room.
ROOM_CREATE = """
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then return -1 end
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'digest', ARGV[2], 'expires', ARGV[4], 'questions', 0)
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
redis.call('XADD', KEYS[3], '0-1', 'e', 'open', 'd', ARGV[6])
redis.call('PEXPIREAT', KEYS[3], ARGV[4])
return 1
"""

# KEYS: room, events; ARGV: field, value, event. Sets a field of the room and sends it as the event.
ROOM_SET = (
    _EMIT_FN
    + """
local exp = redis.call('HGET', KEYS[1], 'expires')
if not exp then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return emit(KEYS[2], exp, ARGV[3], ARGV[2])
"""
)

# KEYS: room, events; ARGV: room key prefix, spec JSON, question view JSON without its id, max.
# The new question's id; -1 no room, -2 too many questions.
ROOM_ASK = (
    _EMIT_FN
    + """
local exp = redis.call('HGET', KEYS[1], 'expires')
if not exp then return -1 end
local n = tonumber(redis.call('HGET', KEYS[1], 'questions')) + 1
if n > tonumber(ARGV[4]) then return -2 end
local q = ARGV[1] .. ':q:' .. n
redis.call('HSET', q, 'spec', ARGV[2])
redis.call('PEXPIREAT', q, exp)
redis.call('HSET', KEYS[1], 'questions', n, 'question', n)
emit(KEYS[2], exp, 'question', '{"id":' .. n .. ',' .. string.sub(ARGV[3], 2))
return n
"""
)

# KEYS: room, q, a, events; ARGV: qid, student, answer JSON, max answers.
# {answers now, 1 if it replaced one}; -1 no room, -2 no question, -3 revealed, -4 full.
ROOM_ANSWER = (
    _EMIT_FN
    + """
local exp = redis.call('HGET', KEYS[1], 'expires')
if not exp then return -1 end
if redis.call('EXISTS', KEYS[2]) == 0 then return -2 end
if redis.call('HGET', KEYS[2], 'revealed') then return -3 end
local replaced = redis.call('HEXISTS', KEYS[3], ARGV[2])
if replaced == 0 and redis.call('HLEN', KEYS[3]) >= tonumber(ARGV[4]) then return -4 end
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
redis.call('PEXPIREAT', KEYS[3], exp)
local n = redis.call('HLEN', KEYS[3])
emit(KEYS[4], exp, 'answers', '{"question":' .. ARGV[1] .. ',"answers":' .. n .. '}')
return {n, replaced}
"""
)

# KEYS: room, q, a. Marks the question revealed; {spec, answers in arrival order}; -1, -2 as above.
ROOM_REVEAL = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('EXISTS', KEYS[2]) == 0 then return -2 end
redis.call('HSET', KEYS[2], 'revealed', '1')
return {redis.call('HGET', KEYS[2], 'spec'), redis.call('HVALS', KEYS[3])}
"""

# KEYS: room, events; ARGV: event, data. -1 no room.
ROOM_EMIT = (
    _EMIT_FN
    + """
local exp = redis.call('HGET', KEYS[1], 'expires')
if not exp then return -1 end
return emit(KEYS[2], exp, ARGV[1], ARGV[2])
"""
)

# KEYS: room, runs, events; ARGV: run JSON, max. The run's index; -1 no room, -2 full.
ROOM_SHARE = (
    _EMIT_FN
    + """
local exp = redis.call('HGET', KEYS[1], 'expires')
if not exp then return -1 end
if redis.call('LLEN', KEYS[2]) >= tonumber(ARGV[2]) then return -2 end
local n = redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('PEXPIREAT', KEYS[2], exp)
emit(KEYS[3], exp, 'runs', '{"runs":' .. n .. '}')
return n - 1
"""
)

# KEYS: room, events; ARGV: room key prefix. {room hash, last event id, spec, revealed, answers}:
# one consistent reading however many processes write.
ROOM_SNAPSHOT = (
    _LAST_SEQ
    + """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local room = redis.call('HGETALL', KEYS[1])
local seq = last_seq(KEYS[2])
local current = redis.call('HGET', KEYS[1], 'question')
local runs = redis.call('LLEN', ARGV[1] .. ':runs')
if not current then return {room, seq, runs} end
local q = ARGV[1] .. ':q:' .. current
return {room, seq, runs, redis.call('HGET', q, 'spec'), redis.call('HGET', q, 'revealed') or '',
        redis.call('HVALS', ARGV[1] .. ':a:' .. current)}
"""
)

# KEYS: posts; ARGV: now ms, window ms, max, a unique member. 1 counted, 0 refused: the times
# of a student's posts within the last window, in a sorted set expiring with the window.
POST_COUNT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""


def key(kind: str, id: str = "") -> str:
    return f"{PREFIX}{kind}:{id}" if id else f"{PREFIX}{kind}"


def room_key(code: str, part: str = "") -> str:
    return f"{PREFIX}room:{code}" + (f":{part}" if part else "")
