#!/usr/bin/env bash
# What Redis spends, in CPU, on one publish: runs publish.lua (with the files RedisEventLog prepends to it)
# in a private redis-server on a free port of 127.0.0.1 and reads INFO commandstats' usec_per_call for EVALSHA
# (Redis's own time in the call: the script and every command it runs).
#
#   bench/redis-script-cost.sh                  # the scripts of the working tree
#   bench/redis-script-cost.sh 2040bea .        # a commit's and the working tree's ('.'), runs alternating
#   bench/redis-script-cost.sh . /tmp/variant   # the working tree's and those of a directory
#
# Environment (defaults in brackets): TOPICS [200] topics the events go to, round robin; EVENTS [50000]
# events measured, after as many unmeasured ones (so that every history is full and trimmed, as in a long
# run); BATCH [1] events per script call; SIZE [100] history_size; TTL [86400] history_ttl_s;
# BYTES [1048576] history_bytes; RUNS [5] measurements of each version, each in a fresh redis-server.
# Prints every run, then per version the lowest and the median microseconds per event (usec_per_call /
# BATCH): on a shared machine the lowest is the least disturbed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -gt 0 ] || set -- .
topics=${TOPICS:-200}; events=${EVENTS:-50000}; batch=${BATCH:-1}
size=${SIZE:-100}; ttl=${TTL:-86400}; bytes=${BYTES:-1048576}; runs=${RUNS:-5}
dir=module/src/main/resources/io/switchboard/internal/bus
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT

v=0
for rev in "$@"; do
  v=$((v + 1))
  # PubSubMode puts this line before the script (classic pub/sub: a single Redis)
  { echo "local PUBLISH_COMMAND = 'PUBLISH'"
  for part in history-lists.lua topic-lineage.lua topic-append.lua publish.lua; do
    if [ "$rev" = . ]; then cat "$root/$dir/$part"
    elif [ -d "$rev" ]; then cat "$rev/$part"   # a directory of variants to try
    else git -C "$root" show "$rev:$dir/$part"; fi
  done; } > "$work/publish.$v.lua"
  # The calls, as RESP for redis-cli --pipe: realistic keys (namespace, hash tag), ~120-byte envelopes.
  python3 - "$work" "$v" "$topics" "$events" "$batch" "$size" "$ttl" "$bytes" <<'EOF'
import hashlib, sys
work, v, topics, events, batch, size, ttl, nbytes = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])
sha = hashlib.sha1(open('%s/publish.%s.lua' % (work, v), 'rb').read()).hexdigest()  # what SCRIPT LOAD answers
def resp(args):
    out = [b'*%d\r\n' % len(args)]
    for a in args:
        a = a.encode()
        out.append(b'$%d\r\n%s\r\n' % (len(a), a))
    return b''.join(out)
with open('%s/calls.%s' % (work, v), 'wb') as f:
    n = 0
    while n < events:
        keys, args = [], ['ABCD', str(size), str(ttl), str(nbytes), '0', '']
        for i in range(min(batch, events - n)):
            t = 'room-%d' % ((n + i) % topics)
            keys += ['switchboard:{ch:%s}:%s' % (t, s) for s in ('meta', 'history', 'history-times')]
            args += ['switchboard:ch:' + t,
                     '{"event":"tick","data":{"room":"%s","n":%d,"sent":1764470000000,"pad":"%s"}}' % (t, n + i, 'x' * 40)]
        n += min(batch, events - n)
        f.write(resp(['EVALSHA', sha, str(len(keys))] + keys + args))
EOF
done

for run in $(seq "$runs"); do
  v=0
  for rev in "$@"; do
    v=$((v + 1))
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
    pid=$!
    until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.05; done
    redis-cli -p "$port" -x script load < "$work/publish.$v.lua" >/dev/null
    redis-cli -p "$port" --pipe < "$work/calls.$v" >/dev/null   # fills every history
    redis-cli -p "$port" config resetstat >/dev/null
    redis-cli -p "$port" --pipe < "$work/calls.$v" >/dev/null
    redis-cli -p "$port" info commandstats | tr -d '\r' > "$work/stats"
    stat=$(grep '^cmdstat_evalsha:' "$work/stats")
    # The commands the script ran, per call: the same on every run, whatever the machine's load.
    inside=$({ grep -v '^cmdstat_evalsha:\|^#\|^$\|^cmdstat_config\|^cmdstat_echo:' "$work/stats" || true; } \
      | sed 's/^cmdstat_\([a-z|]*\):calls=\([0-9]*\),.*/\1 \2/' \
      | awk -v n="$(echo "$stat" | sed 's/.*:calls=\([0-9]*\),.*/\1/')" '{ printf "%s %.2f  ", $1, $2 / n }')
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
    echo "$rev run $run: $stat"
    echo "    commands per call: $inside"
    echo "$rev $(echo "$stat" | sed -n 's/.*usec_per_call=\([0-9.]*\).*/\1/p')" >> "$work/results"
  done
done
echo "TOPICS=$topics EVENTS=$events BATCH=$batch SIZE=$size TTL=$ttl BYTES=$bytes RUNS=$runs"
python3 - "$work/results" "$batch" "$@" <<'EOF'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
for rev in sys.argv[3:]:
    per_event = sorted(float(u) / int(sys.argv[2]) for r, u in rows if r == rev)
    print('%s: usec per event lowest %.2f, median %.2f' % (rev, per_event[0], statistics.median(per_event)))
EOF
