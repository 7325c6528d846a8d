#!/usr/bin/env bash
# Run a command with the Swarm test cluster up: `bash scripts/with-swarm-cluster.sh npm run verify`.
# Brings the three-node cluster up (scripts/swarm-cluster.sh, as root), runs the command, then takes the cluster
# down whatever happened (EXIT trap) and checks, apart from the script's own check, that nothing of it is left.
# Exits with the command's status, or 1 when `up` or `down` fails or something of the cluster is left.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$#" -eq 0 ]; then
  echo "usage: bash scripts/with-swarm-cluster.sh <command> [args...]" >&2
  exit 2
fi

echo "== system: the Swarm test cluster (three dockerd nodes in network namespaces)"
# What of the cluster is still on this machine, one line per thing; nothing
# when it is all gone. Checked here, apart from the script's own check, so a
# bug in `down` cannot vouch for itself. A SIGKILLed daemon may stay a zombie
# for a minute (PID 1 reaps late): a zombie holds nothing and does not count.
cluster_remains() {
  local pid state
  ip netns list 2>/dev/null | awk '/^oa-swarm-/ { print "network namespace " $1 }'
  awk '/openagent-swarm|oa-swarm-/ { print "mount " $2 }' /proc/self/mounts
  local dirs="/run/openagent-swarm /var/lib/openagent-swarm /sys/fs/cgroup/openagent-swarm /sys/fs/cgroup/*/openagent-swarm"
  [ "${SWARM_KEEP_LOGS:-0}" = 1 ] || dirs="${dirs} /tmp/openagent-swarm-logs"
  for dir in ${dirs}; do
    [ ! -e "${dir}" ] || echo "directory ${dir}"
  done
  # Daemons, shims and tasks: by the cluster's run or data paths in their command line or
  # by the cluster's cgroup. The [m] keeps grep from finding itself.
  for pid in $(grep -laE '/(run|var/lib)/openagent-swar[m]/' /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3) \
    $(grep -lE ':/openagent-swar[m](/|$)' /proc/[0-9]*/cgroup 2>/dev/null | cut -d/ -f3); do
    state="$(sed 's/.*) //; s/ .*//' "/proc/${pid}/stat" 2>/dev/null)" || continue
    [ "${state}" = Z ] || [ "${state}" = X ] || echo "process ${pid}: $(tr '\0' ' ' <"/proc/${pid}/cmdline")"
  done | sort -u
}
# Taken down whatever happens after this point; the run fails when `down`
# fails or when anything of the cluster is left after it.
cluster_down() {
  local status=$? remains
  trap - EXIT
  echo "== system: the Swarm test cluster, down"
  # A failed run keeps the nodes' logs for whoever reads why; a passing one leaves nothing.
  if [ "${status}" -ne 0 ]; then export SWARM_KEEP_LOGS=1; fi
  bash scripts/swarm-cluster.sh down || status=1
  remains="$(cluster_remains)"
  if [ -n "${remains}" ]; then
    echo "the Swarm test cluster left, after down:" >&2
    echo "${remains}" >&2
    status=1
  else
    echo "nothing of the Swarm test cluster is left (no daemon, namespace, mount, directory or cgroup)"
  fi
  exit "${status}"
}
trap cluster_down EXIT
bash scripts/swarm-cluster.sh up


echo "== $*"
"$@"
