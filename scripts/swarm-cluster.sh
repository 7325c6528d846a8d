#!/usr/bin/env bash
# A three-node Docker Swarm cluster on this one machine, for the Swarm driver's
# tests and CI: every node is a dockerd (with its own containerd) in its own
# network namespace, and all three are managers, so the cluster keeps its
# quorum when one node is lost. Needs root, Debian's docker.io and iproute2.
# docs/SCALE.md ("The test cluster") describes the topology and its facts.
#
# Commands:
#   up                  build the cluster; a healthy one is left alone, a partial
#                       one is torn down and rebuilt. Prints the paths below.
#   down                remove every process, namespace, cgroup, mount and
#                       directory of the cluster, even after a crash.
#   status              one line per node; exits 1 unless the cluster is healthy.
#   selftest            overlay traffic node1 -> node3, a one-shot task's exit
#                       code, service logs; then the main engine still works.
#   leader [--wait S]   prints the number of the node that leads the Raft group.
#   kill-node N [SIG]   sends SIG (default KILL) to node N's dockerd; its
#                       containerd dies with it, its tasks' shims live on.
#   crash-node N        SIGKILL to every process of node N (daemons, shims, tasks).
#   start-node N        restarts node N on its data; it rejoins the swarm.
#
# Well-known paths (node N = 1, 2, 3; host name swarm-nodeN; address 198.18.0.N):
#   /run/openagent-swarm/env                  KEY=VALUE lines a test can read:
#       SWARM_MANAGER_SOCKETS  comma-separated sockets of the managers
#       SWARM_NODE_SOCKETS     hostname=socket pairs, comma-separated
#       SWARM_NODE_ID_SOCKETS  swarm NodeID=socket pairs (a task's NodeID -> socket)
#       SWARM_NODE_ADDRESSES   hostname=address pairs
#       SWARM_TEST_IMAGE, SWARM_TEST_IMAGE_ID   the test image, present on every node
#       SWARM_NODE_NO_NEW_PRIVILEGES=1  every node's dockerd sets no-new-privileges
#                              (its daemon.json also has no default bridge)
#   /run/openagent-swarm/nodeN/docker.sock    node N's Engine API (unix socket)
#   /run/openagent-swarm/nodeN/dockerd.log    its dockerd (and containerd) log
#   /run/openagent-swarm/nodeN/exec           its --exec-root (containerd socket under it)
#   /var/lib/openagent-swarm/nodeN            its --data-root
#   /tmp/openagent-swarm-logs/nodeN.log       the logs, copied there by `down` when SWARM_KEEP_LOGS=1
#   /run/lock/openagent-swarm.lock            serialises up/down/start/kill
#
# Environment (all optional):
#   SWARM_WAIT_S  seconds any single wait may take before failing (default 60)
#   SWARM_KEEP_LOGS=1  `down` keeps the nodes' logs in /tmp/openagent-swarm-logs (default: nothing is kept)
#   DOCKER        the docker CLI to use (default: docker on PATH)
set -euo pipefail

SELF="$(readlink -f "${BASH_SOURCE[0]}")"
SCRIPTS_DIR="$(dirname "${SELF}")"
NODES=(1 2 3)
RUN_DIR=/run/openagent-swarm
DATA_DIR=/var/lib/openagent-swarm
LOG_ARCHIVE=/tmp/openagent-swarm-logs
LOCK_FILE=/run/lock/openagent-swarm.lock
ENV_FILE="${RUN_DIR}/env"
STATE_FILE="${RUN_DIR}/state"
SUBNET=198.18.0 # RFC 2544 benchmarking range: clashes neither with Docker's pools nor with 10/8 overlays
BRIDGE_NS=oa-swarm-net
TEST_IMAGE=openagent-test/busybox:latest
MAIN_SOCKET=/var/run/docker.sock # only read from: docker save of the test image
WAIT_S="${SWARM_WAIT_S:-60}"
NODE_DAEMON_JSON='{"bridge": "none", "no-new-privileges": true}'
DOCKER="${DOCKER:-docker}"
# The CLI reads no user config (contexts, credential helpers) of the caller.
export DOCKER_CONFIG="${RUN_DIR}/cli"

say() { printf '[swarm-cluster] %s\n' "$*"; }
warn() { printf '[swarm-cluster] WARNING: %s\n' "$*" >&2; }
fail() {
  printf '[swarm-cluster] ERROR: %s\n' "$*" >&2
  exit 1
}

node_ns() { echo "oa-swarm-node$1"; }
node_host() { echo "swarm-node$1"; }
node_addr() { echo "${SUBNET}.$1"; }
node_dir() { echo "${RUN_DIR}/node$1"; }
node_sock() { echo "${RUN_DIR}/node$1/docker.sock"; }
node_data() { echo "${DATA_DIR}/node$1"; }
node_exec_root() { echo "${RUN_DIR}/node$1/exec"; }
node_log() { echo "${RUN_DIR}/node$1/dockerd.log"; }
node_pidfile() { echo "${RUN_DIR}/node$1/dockerd.pid"; }
containerd_pidfile() { echo "${RUN_DIR}/node$1/exec/containerd/containerd.pid"; }
node_cgroup() { echo "/openagent-swarm/node$1"; }

# docker against node N's socket; no call may hang longer than a wait.
dk() {
  local n="$1"
  shift
  timeout "${WAIT_S}" "${DOCKER}" -H "unix://$(node_sock "${n}")" "$@"
}

now_ms() { date +%s%3N; }

# --- processes ---------------------------------------------------------------
# A SIGKILLed daemon stays a zombie until PID 1 reaps it (up to a minute here),
# and kill -0 succeeds on a zombie: a process counts as alive only when
# /proc/PID/stat exists and its state is neither Z (zombie) nor X (dead).
alive() {
  local stat state
  [[ "$1" =~ ^[0-9]+$ ]] || return 1
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  state="${stat##*) }"
  state="${state%% *}"
  [ "${state}" != Z ] && [ "${state}" != X ]
}

# The live pid in a pid file whose command line mentions MARK (which guards
# against a recycled pid); a stale pid file is removed.
live_pid_from() {
  local file="$1" mark="$2" pid
  pid="$(cat "${file}" 2>/dev/null || true)"
  if [ -n "${pid}" ] && alive "${pid}" && tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null | grep -qF -- "${mark}"; then
    echo "${pid}"
  elif [ -e "${file}" ]; then
    rm -f "${file}"
  fi
}

dockerd_pid() { live_pid_from "$(node_pidfile "$1")" "$(node_sock "$1")"; }
containerd_pid() { live_pid_from "$(containerd_pidfile "$1")" "$(node_exec_root "$1")"; }

# Every live process of the given nodes: those in their network namespaces
# (dockerd, containerd, shims, host-network tasks) and those in their cgroups
# (tasks and their execs, which live in network namespaces of their own).
node_pids() {
  local n ns pid cgroups=()
  for n in "$@"; do cgroups+=("$(node_cgroup "${n}")"); done
  {
    for n in "$@"; do
      ns="$(node_ns "${n}")"
      if [ -e "/run/netns/${ns}" ]; then ip netns pids "${ns}" 2>/dev/null || true; fi
      dockerd_pid "${n}"
      containerd_pid "${n}"
    done
    local IFS='|'
    grep -lE ":(${cgroups[*]})(/|$)" /proc/[0-9]*/cgroup 2>/dev/null | cut -d/ -f3 || true
  } | sort -un | while read -r pid; do alive "${pid}" && echo "${pid}"; done
}

# SIGKILL every process of the given nodes, until none is left.
kill_node_processes() {
  local deadline pids
  deadline=$((SECONDS + WAIT_S))
  while pids="$(node_pids "$@")" && [ -n "${pids}" ]; do
    # shellcheck disable=SC2086 # one pid per word
    kill -KILL ${pids} 2>/dev/null || true
    [ "${SECONDS}" -lt "${deadline}" ] || fail "nodes $*: processes ${pids//$'\n'/ } survive SIGKILL after ${WAIT_S}s"
    sleep 0.1
  done
}

# Remove node N's (empty) cgroups in every hierarchy, deepest first.
remove_node_cgroups() {
  local n="$1" base dir
  for base in /sys/fs/cgroup /sys/fs/cgroup/*; do
    dir="${base}$(node_cgroup "${n}")"
    [ -d "${dir}" ] || continue
    find "${dir}" -depth -type d -exec rmdir {} + 2>/dev/null || true
    [ ! -d "${dir}" ] || warn "cgroup ${dir} could not be removed"
  done
  for base in /sys/fs/cgroup /sys/fs/cgroup/*; do
    [ ! -d "${base}/openagent-swarm" ] || rmdir "${base}/openagent-swarm" 2>/dev/null || true
  done
}

# --- the network -------------------------------------------------------------
# One namespace holds a bridge; each node's namespace has an eth0 joined to it
# by a veth pair. No end of any pair is ever in the host's namespace.
setup_network() {
  local n ns
  ip netns add "${BRIDGE_NS}"
  ip -n "${BRIDGE_NS}" link set lo up
  ip -n "${BRIDGE_NS}" link add br0 type bridge
  ip -n "${BRIDGE_NS}" link set br0 up
  # Overlay networks need VXLAN; fail here, clearly, rather than in a task.
  ip -n "${BRIDGE_NS}" link add vxprobe type vxlan id 42 dstport 4789 2>/dev/null ||
    fail "this kernel cannot create VXLAN devices: Swarm overlay networks cannot work here"
  ip -n "${BRIDGE_NS}" link del vxprobe
  for n in "${NODES[@]}"; do
    ns="$(node_ns "${n}")"
    ip netns add "${ns}"
    ip -n "${BRIDGE_NS}" link add "vnode${n}" type veth peer name eth0 netns "${ns}"
    ip -n "${BRIDGE_NS}" link set "vnode${n}" master br0 up
    ip -n "${ns}" link set lo up
    ip -n "${ns}" addr add "$(node_addr "${n}")/24" dev eth0
    ip -n "${ns}" link set eth0 up
  done
}

# --- a node's daemon ---------------------------------------------------------
# The mounts under /sys of this (the host's) mount namespace that dockerd
# needs: the cgroup file systems (v1, hybrid or v2) and, where AppArmor is on,
# securityfs. One "fstype source mountpoint options" line each, parents first.
sys_mounts() {
  awk '($2 ~ /^\/sys\/fs\/cgroup(\/|$)/ && ($3 == "tmpfs" || $3 == "cgroup" || $3 == "cgroup2")) ||
    ($2 == "/sys/kernel/security" && $3 == "securityfs") { print $3, $1, $2, $4 }' /proc/self/mounts
}

# Runs as `ip netns exec NS unshare --uts -- SELF __node-init N`: ip netns exec
# gave this process a mount namespace of its own (slave of the host's) and a
# fresh /sys without the host's mounts under it. Set up what dockerd needs,
# then exec it.
node_init() {
  local n="$1" fstype src mp opts
  hostname "$(node_host "${n}")"
  while read -r fstype src mp opts; do
    mkdir -p "${mp}"
    mount -n -t "${fstype}" -o "${opts}" "${src}" "${mp}"
  done <<<"${SWARM_SYS_MOUNTS}"
  # dockerd 20.10 has no flag to start its own containerd: it uses
  # /run/containerd/containerd.sock whenever that exists (a system
  # containerd), and containerd 1.6 puts shim sockets in /run/containerd/s
  # whatever its own paths. dockerd also creates /run/docker/plugins. This
  # node gets its own copies of both directories.
  mount -n --bind "$(node_dir "${n}")/run-containerd" /run/containerd
  mount -n --bind "$(node_dir "${n}")/run-docker" /run/docker
  export DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1
  exec dockerd \
    --host "unix://$(node_sock "${n}")" \
    --data-root "$(node_data "${n}")" \
    --exec-root "$(node_exec_root "${n}")" \
    --pidfile "$(node_pidfile "${n}")" \
    --config-file "$(node_dir "${n}")/daemon.json" \
    --cgroup-parent "$(node_cgroup "${n}")" \
    --iptables=false --ip-masq=false
}

# Start node N's dockerd in the background (it must not be running).
launch_node() {
  local n="$1" dir
  dir="$(node_dir "${n}")"
  [ -z "$(dockerd_pid "${n}")" ] || fail "node ${n}: dockerd already runs (pid $(dockerd_pid "${n}"))"
  containerd_pid "${n}" >/dev/null # clears a stale containerd pid file
  mkdir -p "${dir}/run-containerd" "${dir}/run-docker" "$(node_exec_root "${n}")" "$(node_data "${n}")" "${DOCKER_CONFIG}"
  # Its own config, never the host's /etc/docker/daemon.json, rewritten at every start: no default
  # bridge, so a task without networks has loopback only (network `none`: Swarm 20.10 cannot ask for
  # it, moby#44403), and no-new-privileges on every container (Swarm 20.10 drops it from service
  # specs). Safe here: the node has a network namespace of its own (never --bridge=none in the
  # host's: it deletes docker0). docs/SCALE.md, "The Swarm driver's mapping".
  printf '%s\n' "${NODE_DAEMON_JSON}" >"${dir}/daemon.json"
  rm -f "$(node_sock "${n}")"
  printf '=== %s: starting node %s\n' "$(date -Is)" "${n}" >>"$(node_log "${n}")"
  SWARM_SYS_MOUNTS="$(sys_mounts)" setsid ip netns exec "$(node_ns "${n}")" \
    unshare --uts -- bash "${SELF}" __node-init "${n}" </dev/null >>"$(node_log "${n}")" 2>&1 9>&- &
}

# The last lines node N's dockerd wrote since its latest start.
log_tail() {
  printf -- '--- %s, since the latest start ---\n' "$(node_log "$1")" >&2
  awk '/^=== .*: starting node/ { n = 0 } { line[n++] = $0 } END { for (i = (n > 25 ? n - 25 : 0); i < n; i++) print line[i] }' \
    "$(node_log "$1")" >&2 2>/dev/null || true
}

wait_engine() {
  local n="$1" deadline=$((SECONDS + WAIT_S)) tries=0
  until timeout 10 "${DOCKER}" -H "unix://$(node_sock "${n}")" version >/dev/null 2>&1; do
    tries=$((tries + 1))
    # Every second or so: a node whose namespace holds no process has died.
    if [ $((tries % 8)) -eq 0 ] && [ -z "$(ip netns pids "$(node_ns "${n}")" 2>/dev/null)" ]; then
      log_tail "${n}"
      fail "node ${n}: dockerd exited before it answered (log above)"
    fi
    if [ "${SECONDS}" -ge "${deadline}" ]; then
      log_tail "${n}"
      fail "node ${n}: dockerd did not answer on $(node_sock "${n}") within ${WAIT_S}s (log above)"
    fi
    sleep 0.1
  done
}

# Wait until node N is an active swarm member whose manager takes requests.
wait_member() {
  local n="$1" deadline=$((SECONDS + WAIT_S)) info=""
  until info="$(dk "${n}" info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}' 2>/dev/null)" &&
    [ "${info}" = "active true" ]; do
    if [ "${SECONDS}" -ge "${deadline}" ]; then
      log_tail "${n}"
      fail "node ${n}: not an active manager within ${WAIT_S}s (swarm state: ${info:-no answer}; log above)"
    fi
    sleep 0.2
  done
}

# --- cluster views -----------------------------------------------------------
# "ID|Hostname|Status|Availability|ManagerStatus" per node, from the first
# manager that answers.
node_table() {
  local n
  for n in "${NODES[@]}"; do
    if dk "${n}" node ls --format '{{.ID}}|{{.Hostname}}|{{.Status}}|{{.Availability}}|{{.ManagerStatus}}' 2>/dev/null; then
      return 0
    fi
  done
  return 1
}

leader_node() {
  local table
  table="$(node_table)" || return 1
  awk -F'|' '$5 == "Leader" { sub(/^swarm-node/, "", $2); print $2; found = 1 } END { exit !found }' <<<"${table}"
}

write_env_file() {
  local n table managers=() hosts=() ids=() addrs=() id
  table="$(node_table)" || fail "no manager lists the nodes"
  for n in "${NODES[@]}"; do
    id="$(awk -F'|' -v h="$(node_host "${n}")" '$2 == h { print $1 }' <<<"${table}")"
    [ -n "${id}" ] || fail "node ${n} ($(node_host "${n}")) is not in the swarm's node list"
    managers+=("$(node_sock "${n}")")
    hosts+=("$(node_host "${n}")=$(node_sock "${n}")")
    ids+=("${id}=$(node_sock "${n}")")
    addrs+=("$(node_host "${n}")=$(node_addr "${n}")")
  done
  local IFS=,
  cat >"${ENV_FILE}.tmp" <<EOF
SWARM_MANAGER_SOCKETS=${managers[*]}
SWARM_NODE_SOCKETS=${hosts[*]}
SWARM_NODE_ID_SOCKETS=${ids[*]}
SWARM_NODE_ADDRESSES=${addrs[*]}
SWARM_TEST_IMAGE=${TEST_IMAGE}
SWARM_TEST_IMAGE_ID=$(cat "${RUN_DIR}/image-id")
SWARM_NODE_NO_NEW_PRIVILEGES=1
EOF
  mv "${ENV_FILE}.tmp" "${ENV_FILE}"
}

# Prints the table; returns 0 only when every node is healthy.
cluster_status() {
  local n table row healthy=0 pid cpid info leaders=0 st avail mgr
  table="$(node_table)" || table=""
  printf '%-5s %-12s %-11s %-8s %-8s %-9s %-7s %-12s %s\n' NODE HOSTNAME ADDRESS DOCKERD STATE ROLE AVAIL MANAGER SOCKET
  for n in "${NODES[@]}"; do
    pid="$(dockerd_pid "${n}")"
    cpid="$(containerd_pid "${n}")"
    row="$(awk -F'|' -v h="$(node_host "${n}")" '$2 == h' <<<"${table}")"
    IFS='|' read -r _ _ st avail mgr <<<"${row:-||||}"
    info="$(dk "${n}" info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}' 2>/dev/null || echo "no-answer")"
    printf '%-5s %-12s %-11s %-8s %-8s %-9s %-7s %-12s %s\n' "${n}" "$(node_host "${n}")" "$(node_addr "${n}")" \
      "${pid:-down}" "${st:-?}" "$([ -n "${mgr}" ] && echo manager || echo "${row:+worker}")" "${avail:-?}" "${mgr:--}" "$(node_sock "${n}")"
    if [ -z "${pid}" ]; then
      echo "  node ${n}: dockerd is not running" && healthy=1
    elif [ -z "${cpid}" ]; then
      echo "  node ${n}: its own containerd is not running" && healthy=1
    elif [ "${info}" != "active true" ]; then
      echo "  node ${n}: swarm state '${info}', want 'active true' (active manager)" && healthy=1
    elif [ "${st}" != Ready ] || [ "${avail}" != Active ] || { [ "${mgr}" != Leader ] && [ "${mgr}" != Reachable ]; }; then
      echo "  node ${n}: ${st:-unknown}/${avail:-unknown}/${mgr:-not a manager}, want Ready/Active/Leader or Reachable" && healthy=1
    fi
    [ "${mgr}" != Leader ] || leaders=$((leaders + 1))
  done
  if [ "${leaders}" -ne 1 ]; then
    echo "  ${leaders} leaders, want 1" && healthy=1
  fi
  return "${healthy}"
}

# --- commands ----------------------------------------------------------------
take_lock() {
  mkdir -p "$(dirname "${LOCK_FILE}")"
  exec 9>"${LOCK_FILE}"
  flock -w "$((WAIT_S * 3))" 9 || fail "another swarm-cluster command holds ${LOCK_FILE}"
}

preflight() {
  [ "$(id -u)" -eq 0 ] || fail "needs root (namespaces, mounts, dockerd)"
  local tool
  for tool in dockerd ip unshare setsid flock timeout "${DOCKER}"; do
    command -v "${tool}" >/dev/null 2>&1 || fail "${tool} not found (scripts/docker-engine.sh installs docker.io)"
  done
}

cmd_up() {
  local t0 n token image_job dir join_pids
  t0="$(now_ms)"
  if [ -f "${STATE_FILE}" ] && cluster_status >/dev/null 2>&1; then
    say "cluster already up and healthy: left alone"
    print_paths
    return
  fi
  if [ -e "${RUN_DIR}" ] || [ -e "${DATA_DIR}" ] || ip netns list | grep -q '^oa-swarm-'; then
    say "a partial or unhealthy cluster is there: tearing it down first"
  fi
  cmd_down >/dev/null # also clears what a crash left without a trace in those paths
  mkdir -p "${RUN_DIR}" "${DOCKER_CONFIG}"
  # iproute2 bind-mounts /run/netns on itself at its first `ip netns add`;
  # remember whether that was us, so `down` can undo it.
  if mountpoint -q /run/netns; then echo "netns_mount=host" >"${STATE_FILE}"; else echo "netns_mount=ours" >"${STATE_FILE}"; fi
  for dir in /run/containerd /run/docker; do
    [ -d "${dir}" ] || { mkdir -m 0700 "${dir}" && echo "created=${dir}" >>"${STATE_FILE}"; }
  done
  setup_network
  for n in "${NODES[@]}"; do launch_node "${n}"; done
  for n in "${NODES[@]}"; do wait_engine "${n}"; done
  say "engines answer ($(($(now_ms) - t0)) ms); forming the swarm, loading ${TEST_IMAGE}"
  load_test_image >"${RUN_DIR}/image.out" 2>&1 &
  image_job=$!
  dk 1 swarm init --advertise-addr "$(node_addr 1)" --listen-addr "$(node_addr 1):2377" >/dev/null
  token="$(dk 1 swarm join-token -q manager)"
  # The leader serialises Raft membership changes itself: join both at once.
  join_pids=()
  for n in "${NODES[@]:1}"; do
    dk "${n}" swarm join --token "${token}" --advertise-addr "$(node_addr "${n}")" \
      --listen-addr "$(node_addr "${n}"):2377" "$(node_addr 1):2377" >/dev/null &
    join_pids+=($!)
  done
  for n in "${!join_pids[@]}"; do
    wait "${join_pids[${n}]}" || { log_tail "$((n + 2))"; fail "node $((n + 2)) could not join the swarm (log above)"; }
  done
  for n in "${NODES[@]}"; do wait_member "${n}"; done
  say "three managers joined ($(($(now_ms) - t0)) ms)"
  wait "${image_job}" || { cat "${RUN_DIR}/image.out" >&2; fail "the test image is not on every node (above)"; }
  cat "${RUN_DIR}/image.out" && rm -f "${RUN_DIR}/image.out"
  write_env_file
  cluster_status >/dev/null || { cluster_status >&2 || true; fail "the cluster came up unhealthy (above)"; }
  say "up in $(($(now_ms) - t0)) ms"
  print_paths
}

# The test image on every node, with one image ID everywhere. No registry is
# reachable: the main engine's copy is taken when it is current (docker save is
# read-only), else it is built on node 1 with scripts/docker-engine.sh's recipe.
load_test_image() {
  local tar="${RUN_DIR}/test-image.tar" want have n pids=() from
  want="$(sed -n 's/^IMAGE_REVISION="\(.*\)"$/\1/p' "${SCRIPTS_DIR}/docker-engine.sh")"
  have="$(timeout 10 "${DOCKER}" -H "unix://${MAIN_SOCKET}" image inspect "${TEST_IMAGE}" \
    --format '{{ index .Config.Labels "org.openagent.test-image.revision" }}' 2>/dev/null || true)"
  if [ -n "${want}" ] && [ "${have}" = "${want}" ] && timeout 60 "${DOCKER}" -H "unix://${MAIN_SOCKET}" save -o "${tar}" "${TEST_IMAGE}" 2>/dev/null; then
    from="the main engine"
  else
    DOCKER_SOCKET="$(node_sock 1)" ENGINE_IMAGE_ONLY=1 bash "${SCRIPTS_DIR}/docker-engine.sh" >/dev/null ||
      fail "building ${TEST_IMAGE} on node 1 failed"
    dk 1 save -o "${tar}" "${TEST_IMAGE}" || fail "saving ${TEST_IMAGE} from node 1 failed"
    from="node 1 (built)"
  fi
  for n in "${NODES[@]}"; do
    dk "${n}" image inspect "${TEST_IMAGE}" >/dev/null 2>&1 || { dk "${n}" load -q -i "${tar}" >/dev/null & pids+=($!); }
  done
  for n in "${pids[@]}"; do wait "${n}" || fail "loading ${TEST_IMAGE} into a node failed"; done
  rm -f "${tar}"
  have="$(for n in "${NODES[@]}"; do dk "${n}" image inspect --format '{{.Id}}' "${TEST_IMAGE}"; done | sort -u)"
  [ "$(wc -l <<<"${have}")" -eq 1 ] || fail "the nodes hold different ${TEST_IMAGE}: ${have//$'\n'/ }"
  echo "${have}" >"${RUN_DIR}/image-id"
  say "${TEST_IMAGE} (${have:7:12}) on every node, from ${from}"
}

print_paths() {
  local n
  say "env file: ${ENV_FILE}"
  for n in "${NODES[@]}"; do
    say "node ${n}: $(node_host "${n}") $(node_addr "${n}") socket $(node_sock "${n}") data $(node_data "${n}") log $(node_log "${n}")"
  done
}

cmd_down() {
  local t0 n ns
  t0="$(now_ms)"
  kill_node_processes "${NODES[@]}"
  for n in "${NODES[@]}"; do remove_node_cgroups "${n}"; done
  for ns in $(ip netns list | awk '/^oa-swarm-/ { print $1 }'); do ip netns del "${ns}"; done
  # The nodes' logs outlive the cluster only when asked (a failed run wants them); otherwise nothing is left.
  rm -rf "${LOG_ARCHIVE}"
  if [ "${SWARM_KEEP_LOGS:-0}" = 1 ] && [ -d "${RUN_DIR}" ]; then
    mkdir -p "${LOG_ARCHIVE}"
    for n in "${NODES[@]}"; do
      [ ! -f "$(node_log "${n}")" ] || cp "$(node_log "${n}")" "${LOG_ARCHIVE}/node${n}.log"
    done
  fi
  # Nothing of the cluster is mounted in the host's namespace; this is a guard
  # so rm never descends into a mount someone made by hand.
  awk -v r="${RUN_DIR}" -v d="${DATA_DIR}" 'index($2, r) == 1 || index($2, d) == 1 { print $2 }' /proc/self/mounts |
    sort -r | while read -r mp; do umount -l "${mp}" || true; done
  if [ -f "${STATE_FILE}" ]; then
    if grep -qx 'netns_mount=ours' "${STATE_FILE}" && [ -z "$(ip netns list)" ]; then umount /run/netns 2>/dev/null || true; fi
    sed -n 's/^created=//p' "${STATE_FILE}" | while read -r dir; do rmdir "${dir}" 2>/dev/null || true; done
  fi
  rm -rf --one-file-system "${RUN_DIR}" "${DATA_DIR}"
  verify_gone
  if [ -d "${LOG_ARCHIVE}" ]; then say "down in $(($(now_ms) - t0)) ms; logs kept in ${LOG_ARCHIVE}"; else say "down in $(($(now_ms) - t0)) ms"; fi
}

# Fails when anything of the cluster is still there.
verify_gone() {
  local left=()
  ip netns list | grep -q '^oa-swarm-' && left+=("namespaces: $(ip netns list | grep '^oa-swarm-' | tr '\n' ' ')")
  grep -qE "${RUN_DIR}|${DATA_DIR}|/run/netns/oa-swarm-" /proc/self/mounts && left+=("mounts")
  local cg
  for cg in /sys/fs/cgroup/openagent-swarm /sys/fs/cgroup/*/openagent-swarm; do
    [ ! -e "${cg}" ] || left+=("cgroup ${cg}")
  done
  [ ! -e "${RUN_DIR}" ] || left+=("${RUN_DIR}")
  [ ! -e "${DATA_DIR}" ] || left+=("${DATA_DIR}")
  local pid
  # shellcheck disable=SC2013 # one pid per line, no spaces
  for pid in $(grep -lE ':/openagent-swarm(/|$)' /proc/[0-9]*/cgroup 2>/dev/null | cut -d/ -f3); do
    alive "${pid}" && left+=("process ${pid} in a cluster cgroup")
  done
  # shellcheck disable=SC2013 # one pid per line, no spaces
  for pid in $(grep -laF "${RUN_DIR}/" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3); do
    alive "${pid}" && grep -qE '^(dockerd|containerd.*|docker-init)$' "/proc/${pid}/comm" 2>/dev/null &&
      left+=("process ${pid}: $(tr '\0' ' ' <"/proc/${pid}/cmdline")")
  done
  [ "${#left[@]}" -eq 0 ] || fail "down left: ${left[*]}"
}

node_arg() {
  [[ "${1:-}" =~ ^[1-3]$ ]] || fail "expected a node number 1-3, got '${1:-}'"
}

cmd_kill_node() {
  local n="$1" sig="${2:-KILL}" pid deadline
  pid="$(dockerd_pid "${n}")"
  [ -n "${pid}" ] || fail "node ${n}: dockerd is not running"
  kill -s "${sig}" "${pid}"
  deadline=$((SECONDS + WAIT_S))
  while alive "${pid}"; do
    [ "${SECONDS}" -lt "${deadline}" ] || fail "node ${n}: dockerd (pid ${pid}) still runs ${WAIT_S}s after SIG${sig#SIG}"
    sleep 0.1
  done
  say "node ${n}: dockerd (pid ${pid}) gone after SIG${sig#SIG}"
}

cmd_crash_node() {
  kill_node_processes "$1"
  remove_node_cgroups "$1" # as a reboot would
  say "node $1: every process killed"
}

cmd_start_node() {
  local n="$1" t0
  t0="$(now_ms)"
  [ -d "$(node_data "${n}")" ] || fail "node ${n} has no data: run '$0 up'"
  [ -z "$(dockerd_pid "${n}")" ] || fail "node ${n}: dockerd already runs (pid $(dockerd_pid "${n}"))"
  launch_node "${n}"
  # A node that does not come back is stopped again: it is down, not half up.
  (wait_engine "${n}" && wait_member "${n}") || { kill_node_processes "${n}" && exit 1; }
  say "node ${n}: back as an active manager in $(($(now_ms) - t0)) ms"
}

cmd_leader() {
  local wait_s=0 deadline
  if [ "${1:-}" = --wait ]; then wait_s="${2:?--wait needs seconds}"; fi
  deadline=$((SECONDS + wait_s))
  until leader_node; do
    [ "${SECONDS}" -lt "${deadline}" ] || fail "no node is the leader now"
    sleep 0.5
  done
}

main() {
  local cmd="${1:-}"
  shift || true
  case "${cmd}" in
  __node-init) node_init "$@" ;;
  up) preflight && take_lock && cmd_up ;;
  down) preflight && take_lock && cmd_down ;;
  status) cluster_status ;;
  selftest) bash "${SCRIPTS_DIR}/swarm-selftest.sh" ;;
  leader) cmd_leader "$@" ;;
  kill-node) node_arg "${1:-}" && preflight && take_lock && cmd_kill_node "$@" ;;
  crash-node) node_arg "${1:-}" && preflight && take_lock && cmd_crash_node "$1" ;;
  start-node) node_arg "${1:-}" && preflight && take_lock && cmd_start_node "$1" ;;
  *)
    sed -n '2,/^set -euo/p' "${SELF}" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
    ;;
  esac
}

main "$@"
