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

A job's keys expire with it (``FINISH``, ``CANCEL``), and no script writes to a job whose hash is
gone (a Redis restarted without its data): nothing is left without an expiry.

Rooms (``rooms.py``), all expiring a minute after the room does (``CLOSED_KEPT_S``), and all but
its stream deleted when it closes (its stream a minute later, once its followers read ``closed``):

- ``room:{code}``          hash: digest, expires and idle (ms: it closes at the first), owner (the
                           address that opened it), run, player (JSON), question (current id;
                           none once closed), questions (how many asked)
- ``room:{code}:q:{n}``    hash: spec (JSON), revealed ("1" once revealed), round (its last, from 1)
- ``room:{code}:a:{n}``    hash: student → vote (JSON: answer, name, time) of round 1;
  ``room:{code}:a:{n}:{r}`` those of round r ≥ 2 (a revote)
- ``room:{code}:runs``     list of the students' shared runs (JSON)
- ``room:{code}:events``   stream: SSE event N is entry ``0-N`` (fields ``e`` event, ``d`` data)
- ``room:{code}:posts:{student}``  sorted set: the times of a student's posts in the last minute
- ``room:{code}:from:{scope}:{address}``  sorted set: the times of an address's posts to a
                           question (scope ``q{n}``) or of runs sent (``runs``), last 10 minutes
- ``room-owner:{address}`` set of the rooms an address opened (for GDVIZ_ROOMS_PER_ADDRESS)
- ``rooms``                sorted set of the open rooms by when each closes (expiry, or idle):
                           for GDVIZ_MAX_ROOMS, and for the sweeper that closes them

Every change to a room and its event are written by one script, so that the state and the log
agree whichever process writes. A room's times are Redis's clock (``TIME``), one for every process.
"""

from ...rooms import CLOSED_KEPT_S

PREFIX = "gdviz:"

_LAST_SEQ = """
local function last_seq(key)
  local top = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)
  if #top == 0 then return 0 end
  return tonumber(string.match(top[1][1], '-(%d+)$'))
end
"""

# KEYS: events, job; ARGV: first id, maxlen, then event, data pairs. Ids at or below the top are
# kept. Nothing is written for a job whose hash is gone (a Redis restarted without its data): its
# stream would be made again, without an expiry, for a job nobody finishes.
APPEND = (
    _LAST_SEQ
    + """
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
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

# KEYS: lease, job; ARGV: token, lease ms. -2: the job is gone (a Redis restarted without its
# data); -1: the lease is another process's (it took the job over); 1: cancel asked; 0: renewed
# (taken again if it had lapsed and no process took it meanwhile).
RENEW = """
if redis.call('EXISTS', KEYS[2]) == 0 then return -2 end
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return -1 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
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

# Rooms' common functions: Redis's own clock (the same for every process); whether a room is open
# (its expiry, or nil: never made, closed, expired or idle); an event appended as the next id,
# its stream kept ``KEEP`` ms past the room's expiry, so that followers read a ``closed`` the
# sweeper writes at the expiry; a change by the teacher (not idle before now + idle ms; the set
# ``rooms`` orders the open rooms by when each closes, which the sweeper reads); a room closed
# with its last event, all its keys but that stream gone at once.
_ROOM_FNS = (
    _LAST_SEQ
    + f"""
local KEEP = {int(CLOSED_KEPT_S * 1000)}
"""
    + """
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function open_room(room)
  local f = redis.call('HMGET', room, 'expires', 'idle')
  if not f[1] then return nil end
  local now = now_ms()
  if tonumber(f[1]) <= now or (f[2] and tonumber(f[2]) <= now) then return nil end
  return tonumber(f[1])
end

local function emit(events, exp, event, data)
  local n = last_seq(events) + 1
  redis.call('XADD', events, '0-' .. n, 'e', event, 'd', data)
  redis.call('PEXPIREAT', events, exp + KEEP)
  return n
end

local function touch(room, rooms, code, exp, idle_ms)
  local idle = now_ms() + tonumber(idle_ms)
  redis.call('HSET', room, 'idle', idle)
  redis.call('ZADD', rooms, math.min(exp, idle), code)
end

local function close_room(p, code, reason)
  local room = p .. 'room:' .. code
  redis.call('ZREM', p .. 'rooms', code)
  local f = redis.call('HMGET', room, 'questions', 'owner')
  if not f[1] then return 0 end
  local events = room .. ':events'
  local n = last_seq(events) + 1
  local data = '{"code":"' .. code .. '","reason":"' .. reason .. '"}'
  redis.call('XADD', events, '0-' .. n, 'e', 'closed', 'd', data)
  redis.call('PEXPIRE', events, KEEP)
  for q = 1, tonumber(f[1]) do
    local rounds = tonumber(redis.call('HGET', room .. ':q:' .. q, 'round') or '1')
    for r = 2, rounds do redis.call('DEL', room .. ':a:' .. q .. ':' .. r) end
    redis.call('DEL', room .. ':q:' .. q, room .. ':a:' .. q)
  end
  redis.call('DEL', room, room .. ':runs')
  if f[2] then redis.call('SREM', p .. 'room-owner:' .. f[2], code) end
  return 1
end

local function votes_key(q, a, round)
  if round > 1 then return a .. ':' .. round end
  return a
end

local function within(posts, window_ms, most)
  redis.call('ZREMRANGEBYSCORE', posts, '-inf', now_ms() - tonumber(window_ms))
  return redis.call('ZCARD', posts) < tonumber(most)
end

local function count(posts, window_ms, member)
  redis.call('ZADD', posts, now_ms(), member)
  redis.call('PEXPIRE', posts, window_ms)
end
"""
)

# KEYS: room, rooms, events, owner's rooms; ARGV: code, digest, now ms, expires ms, max rooms,
# open event's data, idle ms, owner, max rooms per owner. 1 made, 0 taken, -1 full, -2 the owner
# has its rooms. The stream begins with ``open``: it exists as long as the room.
ROOM_CREATE = (
    _ROOM_FNS
    + """
local now, exp = tonumber(ARGV[3]), tonumber(ARGV[4])
if redis.call('ZCOUNT', KEYS[2], '(' .. now, '+inf') >= tonumber(ARGV[5]) then return -1 end
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for _, code in ipairs(redis.call('SMEMBERS', KEYS[4])) do
  local closes = redis.call('ZSCORE', KEYS[2], code)
  if not closes or tonumber(closes) <= now then redis.call('SREM', KEYS[4], code) end
end
if redis.call('SCARD', KEYS[4]) >= tonumber(ARGV[9]) then return -2 end
local idle = now + tonumber(ARGV[7])
redis.call('HSET', KEYS[1], 'digest', ARGV[2], 'expires', exp, 'idle', idle, 'owner', ARGV[8],
           'questions', 0)
redis.call('PEXPIREAT', KEYS[1], exp + KEEP)
redis.call('ZADD', KEYS[2], math.min(exp, idle), ARGV[1])
redis.call('SADD', KEYS[4], ARGV[1])
redis.call('PEXPIREAT', KEYS[4], exp + KEEP)
redis.call('XADD', KEYS[3], '0-1', 'e', 'open', 'd', ARGV[6])
redis.call('PEXPIREAT', KEYS[3], exp + KEEP)
return 1
"""
)

# KEYS: room, events, rooms; ARGV: field, value, event, code, idle ms, and the event's data if it
# is not the value (a lesson's, without its answers). Sets a field of the room (a change by the
# teacher) and sends it as the event; 0 no room.
ROOM_SET = (
    _ROOM_FNS
    + """
local exp = open_room(KEYS[1])
if not exp then return 0 end
touch(KEYS[1], KEYS[3], ARGV[4], exp, ARGV[5])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return emit(KEYS[2], exp, ARGV[3], ARGV[6] or ARGV[2])
"""
)

# KEYS: room, events, rooms; ARGV: room key prefix, spec JSON, question view JSON without its id,
# max, code, idle ms. The new question's id; -1 no room, -2 too many questions.
ROOM_ASK = (
    _ROOM_FNS
    + """
local exp = open_room(KEYS[1])
if not exp then return -1 end
local n = tonumber(redis.call('HGET', KEYS[1], 'questions')) + 1
if n > tonumber(ARGV[4]) then return -2 end
touch(KEYS[1], KEYS[3], ARGV[5], exp, ARGV[6])
local q = ARGV[1] .. ':q:' .. n
redis.call('HSET', q, 'spec', ARGV[2], 'round', 1)
redis.call('PEXPIREAT', q, exp + KEEP)
redis.call('HSET', KEYS[1], 'questions', n, 'question', n)
emit(KEYS[2], exp, 'question', '{"id":' .. n .. ',' .. string.sub(ARGV[3], 2))
return n
"""
)

# KEYS: room, q, a (round 1's votes), events, the student's posts, the address's posts to this
# question; ARGV: qid, student, vote JSON, max answers, student window ms, student max, address
# window ms, address max, a unique member. Into the question's current round: {answers now, 1 if
# it replaced one, the round}; -1 no room, -2 no question, -3 revealed, -4 full, -5 the student's
# rate, -6 the address's. A refused answer counts for nothing.
ROOM_ANSWER = (
    _ROOM_FNS
    + """
local exp = open_room(KEYS[1])
if not exp then return -1 end
if redis.call('EXISTS', KEYS[2]) == 0 then return -2 end
if redis.call('HGET', KEYS[2], 'revealed') then return -3 end
if not within(KEYS[5], ARGV[5], ARGV[6]) then return -5 end
if not within(KEYS[6], ARGV[7], ARGV[8]) then return -6 end
local round = tonumber(redis.call('HGET', KEYS[2], 'round') or '1')
local a = votes_key(KEYS[2], KEYS[3], round)
local replaced = redis.call('HEXISTS', a, ARGV[2])
if replaced == 0 and redis.call('HLEN', a) >= tonumber(ARGV[4]) then return -4 end
redis.call('HSET', a, ARGV[2], ARGV[3])
redis.call('PEXPIREAT', a, exp + KEEP)
count(KEYS[5], ARGV[5], ARGV[9])
count(KEYS[6], ARGV[7], ARGV[9])
local n = redis.call('HLEN', a)
emit(KEYS[4], exp, 'answers',
     '{"question":' .. ARGV[1] .. ',"answers":' .. n .. ',"round":' .. round .. '}')
return {n, replaced, round}
"""
)

# KEYS: room, q, rooms; ARGV: code, idle ms. Marks the question revealed (a change by the
# teacher); 1; -1, -2 as above.
ROOM_REVEAL = (
    _ROOM_FNS
    + """
local exp = open_room(KEYS[1])
if not exp then return -1 end
if redis.call('EXISTS', KEYS[2]) == 0 then return -2 end
touch(KEYS[1], KEYS[3], ARGV[1], exp, ARGV[2])
redis.call('HSET', KEYS[2], 'revealed', '1')
return 1
"""
)

# KEYS: room, q, events, rooms; ARGV: qid, the question's view JSON without its id, round and
# answers, code, idle ms, most rounds. Opens the question's next round (a change by the teacher)
# and makes it the current question again: the new round; -1 no room, -2 no question, -3
# revealed, -4 its rounds are had.
ROOM_REVOTE = (
    _ROOM_FNS
    + """
local exp = open_room(KEYS[1])
if not exp then return -1 end
if redis.call('EXISTS', KEYS[2]) == 0 then return -2 end
if redis.call('HGET', KEYS[2], 'revealed') then return -3 end
local round = tonumber(redis.call('HGET', KEYS[2], 'round') or '1') + 1
if round > tonumber(ARGV[5]) then return -4 end
touch(KEYS[1], KEYS[4], ARGV[3], exp, ARGV[4])
redis.call('HSET', KEYS[2], 'round', round)
redis.call('HSET', KEYS[1], 'question', ARGV[1])
emit(KEYS[3], exp, 'question', '{"id":' .. ARGV[1] .. ',"round":' .. round .. ',"answers":0,'
     .. string.sub(ARGV[2], 2))
return round
"""
)

# KEYS: room, q, events, rooms; ARGV: qid, close event's data, code, idle ms. Takes the current
# question off every screen (a change by the teacher): 1 closed, 0 not the current question; -1
# no room, -2 no question.
ROOM_CLOSE_QUESTION = (
    _ROOM_FNS
    + """
local exp = open_room(KEYS[1])
if not exp then return -1 end
if redis.call('EXISTS', KEYS[2]) == 0 then return -2 end
if redis.call('HGET', KEYS[1], 'question') ~= ARGV[1] then return 0 end
touch(KEYS[1], KEYS[4], ARGV[3], exp, ARGV[4])
redis.call('HDEL', KEYS[1], 'question')
emit(KEYS[3], exp, 'close', ARGV[2])
return 1
"""
)

# KEYS: room, events; ARGV: event, data. -1 no room.
ROOM_EMIT = (
    _ROOM_FNS
    + """
local exp = open_room(KEYS[1])
if not exp then return -1 end
return emit(KEYS[2], exp, ARGV[1], ARGV[2])
"""
)

# KEYS: room, runs, events, the student's posts, the address's posts to this room; ARGV: run
# JSON, max, student window ms, student max, address window ms, address max, a unique member.
# The run's index; -1 no room, -2 full, -5 the student's rate, -6 the address's.
ROOM_SHARE = (
    _ROOM_FNS
    + """
local exp = open_room(KEYS[1])
if not exp then return -1 end
if not within(KEYS[4], ARGV[3], ARGV[4]) then return -5 end
if not within(KEYS[5], ARGV[5], ARGV[6]) then return -6 end
if redis.call('LLEN', KEYS[2]) >= tonumber(ARGV[2]) then return -2 end
local n = redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('PEXPIREAT', KEYS[2], exp + KEEP)
count(KEYS[4], ARGV[3], ARGV[7])
count(KEYS[5], ARGV[5], ARGV[7])
emit(KEYS[3], exp, 'runs', '{"runs":' .. n .. '}')
return n - 1
"""
)

# KEYS: room, events; ARGV: room key prefix. {room hash, last event id, runs, and the current
# question's spec, revealed and every round's votes}: one consistent reading however many
# processes write.
ROOM_SNAPSHOT = (
    _ROOM_FNS
    + """
if not open_room(KEYS[1]) then return false end
local room = redis.call('HGETALL', KEYS[1])
local seq = last_seq(KEYS[2])
local current = redis.call('HGET', KEYS[1], 'question')
local runs = redis.call('LLEN', ARGV[1] .. ':runs')
if not current then return {room, seq, runs} end
local q = ARGV[1] .. ':q:' .. current
local a = ARGV[1] .. ':a:' .. current
local rounds = {}
for r = 1, tonumber(redis.call('HGET', q, 'round') or '1') do
  rounds[r] = redis.call('HGETALL', votes_key(q, a, r))
end
return {room, seq, runs, redis.call('HGET', q, 'spec'), redis.call('HGET', q, 'revealed') or '',
        rounds}
"""
)

# KEYS: room; ARGV: prefix, code. Its teacher closes an open room: 1, or 0 (no room).
ROOM_CLOSE = (
    _ROOM_FNS
    + """
if not open_room(KEYS[1]) then return 0 end
return close_room(ARGV[1], ARGV[2], 'closed')
"""
)

# KEYS: rooms; ARGV: prefix, most. Closes the rooms due by now (expired, or idle): their codes.
ROOM_SWEEP = (
    _ROOM_FNS
    + """
local now = now_ms()
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
for _, code in ipairs(due) do
  local exp = redis.call('HGET', ARGV[1] .. 'room:' .. code, 'expires')
  close_room(ARGV[1], code, (exp and tonumber(exp) <= now) and 'expired' or 'idle')
end
return due
"""
)


def key(kind: str, id: str = "") -> str:
    return f"{PREFIX}{kind}:{id}" if id else f"{PREFIX}{kind}"


def room_key(code: str, part: str = "") -> str:
    return f"{PREFIX}room:{code}" + (f":{part}" if part else "")
