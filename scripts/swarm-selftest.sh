#!/usr/bin/env bash
# `scripts/swarm-cluster.sh selftest`: shows that the test cluster does what
# the Swarm driver relies on, the way the driver will do it (a task's node
# found through the env file, exec on that node's socket):
#   1. an attachable overlay network and one dnsrr service pinned to each node;
#      a task on node 1 reaches the tasks on nodes 2 and 3 by overlay address
#      (ping, HTTP) and by service name (Swarm's DNS);
#   2. a one-shot service (--restart-condition none) whose task's exit code is
#      read back, and its output through `docker service logs`;
#   3. the main engine still runs a container and docker0 is still there.
# Every service and network it makes is removed, and checked gone on every node.
set -euo pipefail

ENV_FILE=/run/openagent-swarm/env
WAIT_S="${SWARM_WAIT_S:-60}"
DOCKER="${DOCKER:-docker}"
MAIN_SOCKET=/var/run/docker.sock
export DOCKER_CONFIG=/run/openagent-swarm/cli
RUN_ID="oa-selftest-$$"
NET="${RUN_ID}-net"
LABEL="org.openagent.swarm-selftest=${RUN_ID}"
T0="$(date +%s%3N)"

say() { printf '[swarm-selftest] %s\n' "$*"; }
fail() {
  printf '[swarm-selftest] FAILED: %s\n' "$*" >&2
  exit 1
}

[ -r "${ENV_FILE}" ] || fail "${ENV_FILE} is missing: run scripts/swarm-cluster.sh up"
bash "$(dirname "$0")/swarm-cluster.sh" status >/dev/null || fail "the cluster is not healthy: scripts/swarm-cluster.sh status"
# shellcheck disable=SC1090 # written by swarm-cluster.sh up
. "${ENV_FILE}"
IFS=, read -r -a MANAGERS <<<"${SWARM_MANAGER_SOCKETS}"
MANAGER="${MANAGERS[0]}"

on() {
  local sock="$1"
  shift
  timeout "${WAIT_S}" "${DOCKER}" -H "unix://${sock}" "$@"
}
mgr() { on "${MANAGER}" "$@"; }

# value for KEY in a "key=value,key=value" list
lookup() { tr ',' '\n' <<<"$1" | sed -n "s|^$2=||p"; }

# Waits until COMMAND prints something other than nothing; prints it.
wait_for() {
  local what="$1" out deadline=$((SECONDS + WAIT_S))
  shift
  until out="$("$@" 2>/dev/null)" && [ -n "${out}" ]; do
    [ "${SECONDS}" -lt "${deadline}" ] || fail "${what}: not within ${WAIT_S}s"
    sleep 0.2
  done
  printf '%s\n' "${out}"
}

cleanup() {
  local rc=$? sock left deadline t_clean
  trap - EXIT
  t_clean="$(date +%s%3N)"
  mgr service ls -q --filter "label=${LABEL}" | xargs -r timeout "${WAIT_S}" "${DOCKER}" -H "unix://${MANAGER}" service rm >/dev/null || true
  deadline=$((SECONDS + WAIT_S))
  for sock in ${SWARM_NODE_SOCKETS//,/ }; do
    sock="${sock#*=}"
    until [ -z "$(on "${sock}" ps -aq --filter "label=com.docker.swarm.service.name" 2>/dev/null | xargs -r "${DOCKER}" -H "unix://${sock}" inspect --format '{{index .Config.Labels "com.docker.swarm.service.name"}}' 2>/dev/null | grep "^${RUN_ID}-" || true)" ]; do
      [ "${SECONDS}" -lt "${deadline}" ] || { echo "[swarm-selftest] task containers left on ${sock}" >&2 && rc=1 && break; }
      sleep 0.2
    done
  done
  mgr network rm "${NET}" >/dev/null 2>&1 || true
  for sock in ${SWARM_NODE_SOCKETS//,/ }; do
    sock="${sock#*=}"
    until [ -z "$(on "${sock}" network ls -q --filter "name=${NET}" 2>/dev/null)" ]; do
      [ "${SECONDS}" -lt "${deadline}" ] || { echo "[swarm-selftest] network ${NET} left on ${sock}" >&2 && rc=1 && break; }
      sleep 0.2
    done
  done
  left="$(mgr service ls -q --filter "label=${LABEL}" 2>/dev/null || true)"
  [ -z "${left}" ] || { echo "[swarm-selftest] services left: ${left}" >&2 && rc=1; }
  if [ "${rc}" -eq 0 ]; then
    say "passed; every service, task container and network removed in $(($(date +%s%3N) - t_clean)) ms ($(($(date +%s%3N) - T0)) ms in all)"
  else
    echo "[swarm-selftest] FAILED (exit ${rc})" >&2
  fi
  exit "${rc}"
}
trap cleanup EXIT

# The running task of SERVICE: "taskID nodeID containerID".
running_task() {
  mgr service ps -q --filter desired-state=running "$1" | head -n1 | xargs -r "${DOCKER}" -H "unix://${MANAGER}" inspect --type task \
    --format '{{if eq .Status.State "running"}}{{.ID}} {{.NodeID}} {{.Status.ContainerStatus.ContainerID}}{{end}}'
}

# --- 1. overlay traffic between nodes ----------------------------------------
mgr network create --driver overlay --attachable --label "${LABEL}" "${NET}" >/dev/null
for n in 1 2 3; do
  # --init: busybox httpd as PID 1 would ignore SIGTERM and make removal wait 10 s.
  mgr service create --detach --quiet --name "${RUN_ID}-n${n}" --label "${LABEL}" --init \
    --network "${NET}" --endpoint-mode dnsrr --constraint "node.hostname==swarm-node${n}" --no-resolve-image \
    "${SWARM_TEST_IMAGE}" sh -c "echo served-by-node${n} >/tmp/index.html && exec httpd -f -p 8080 -h /tmp" >/dev/null
done
declare -A TASK_SOCK TASK_CTR TASK_IP
for n in 1 2 3; do
  read -r task node ctr < <(wait_for "service ${RUN_ID}-n${n} running" running_task "${RUN_ID}-n${n}")
  sock="$(lookup "${SWARM_NODE_ID_SOCKETS}" "${node}")"
  [ "${sock}" = "$(lookup "${SWARM_NODE_SOCKETS}" "swarm-node${n}")" ] ||
    fail "task ${task} of ${RUN_ID}-n${n} runs on node ${node} (socket '${sock}'), not on swarm-node${n}"
  on "${sock}" inspect --format '{{.State.Running}}' "${ctr}" | grep -qx true || fail "container ${ctr} is not running on ${sock}"
  TASK_SOCK[${n}]="${sock}"
  TASK_CTR[${n}]="${ctr}"
  TASK_IP[${n}]="$(mgr inspect --type task --format "{{range .NetworksAttachments}}{{if eq .Network.Spec.Name \"${NET}\"}}{{range .Addresses}}{{.}}{{end}}{{end}}{{end}}" "${task}")"
  TASK_IP[${n}]="${TASK_IP[${n}]%%/*}"
  [ -n "${TASK_IP[${n}]}" ] || fail "task ${task} has no address on ${NET}"
  say "node ${n}: task ${task:0:12} container ${ctr:0:12} overlay address ${TASK_IP[${n}]}"
done
for n in 2 3; do
  on "${TASK_SOCK[1]}" exec "${TASK_CTR[1]}" ping -c 2 -W 2 "${TASK_IP[${n}]}" >/dev/null ||
    fail "ping from node 1's task to node ${n}'s task (${TASK_IP[${n}]}) failed"
  # (busybox 1.35's static wget crashes with -T: the image's timeout applet bounds it)
  got="$(wait_for "HTTP from node 1 to ${RUN_ID}-n${n}" on "${TASK_SOCK[1]}" exec "${TASK_CTR[1]}" timeout 5 wget -qO- "http://${TASK_IP[${n}]}:8080/")"
  [ "${got}" = "served-by-node${n}" ] || fail "HTTP to ${TASK_IP[${n}]}:8080 answered '${got}', want served-by-node${n}"
  got="$(on "${TASK_SOCK[1]}" exec "${TASK_CTR[1]}" timeout 5 wget -qO- "http://${RUN_ID}-n${n}:8080/")" ||
    fail "HTTP from node 1 to http://${RUN_ID}-n${n}:8080 (service name, dnsrr) failed"
  [ "${got}" = "served-by-node${n}" ] || fail "http://${RUN_ID}-n${n}:8080 answered '${got}'"
  say "overlay: node 1 -> node ${n}: ping ${TASK_IP[${n}]} ok, HTTP by address and by service name ok"
done

# --- 2. a one-shot task's exit code and its logs -----------------------------
ONESHOT="${RUN_ID}-exit"
mgr service create --detach --quiet --name "${ONESHOT}" --label "${LABEL}" --restart-condition none \
  --constraint node.hostname==swarm-node2 --no-resolve-image \
  "${SWARM_TEST_IMAGE}" sh -c "echo out-${RUN_ID}; echo err-${RUN_ID} >&2; exit 3" >/dev/null
task_state() {
  mgr service ps -q "${ONESHOT}" | head -n1 | xargs -r "${DOCKER}" -H "unix://${MANAGER}" inspect --type task \
    --format '{{if or (eq .Status.State "complete") (eq .Status.State "failed")}}{{.Status.State}} {{.Status.ContainerStatus.ExitCode}} {{.Status.Err}}{{end}}'
}
read -r state code err < <(wait_for "one-shot task ended" task_state)
{ [ "${state}" = failed ] && [ "${code}" = 3 ]; } || fail "one-shot task: state ${state}, exit code ${code}; want failed, 3"
say "one-shot task: state ${state}, exit code ${code} (${err})"
# The CLI writes the task's stderr lines to its own stderr.
both_log_lines() {
  local logs
  logs="$(mgr service logs --raw "${ONESHOT}" 2>&1)"
  grep -qx "out-${RUN_ID}" <<<"${logs}" && grep -qx "err-${RUN_ID}" <<<"${logs}" && echo ok
}
wait_for "docker service logs ${ONESHOT} with its stdout and stderr line" both_log_lines >/dev/null
say "service logs: stdout and stderr lines of the task on node 2 read through node 1"
say "cluster checks passed in $(($(date +%s%3N) - T0)) ms"

# --- 3. the main engine is untouched -------------------------------------------
# Engine test files hold this lock while they run (one of them kills dockerd).
LOCK_DIR="${TMPDIR:-/tmp}/openagent-docker-tests.lock"
if ! "${DOCKER}" -H "unix://${MAIN_SOCKET}" version >/dev/null 2>&1; then
  say "main engine: no engine answers on ${MAIN_SOCKET}; check skipped"
else
  deadline=$((SECONDS + ${SWARM_ENGINE_LOCK_WAIT_S:-900}))
  waited="${SECONDS}"
  until mkdir "${LOCK_DIR}" 2>/dev/null; do
    holder="$(cat "${LOCK_DIR}/pid" 2>/dev/null || true)"
    [ "${SECONDS}" != "${waited}" ] || say "main engine: waiting for the engine-test lock ${LOCK_DIR} (pid ${holder:-?})"
    if [ -n "${holder}" ] && ! kill -0 "${holder}" 2>/dev/null; then rm -rf "${LOCK_DIR}" && continue; fi
    [ "${SECONDS}" -lt "${deadline}" ] || fail "the engine-test lock ${LOCK_DIR} stayed held (pid ${holder})"
    sleep 1
  done
  echo $$ >"${LOCK_DIR}/pid"
  [ "${SECONDS}" = "${waited}" ] || say "main engine: lock taken after $((SECONDS - waited)) s"
  out="$(timeout "${WAIT_S}" "${DOCKER}" -H "unix://${MAIN_SOCKET}" run --rm "${SWARM_TEST_IMAGE}" id 2>&1)" || true
  rm -rf "${LOCK_DIR}"
  grep -q 'uid=' <<<"${out}" || fail "the main engine failed 'docker run --rm ${SWARM_TEST_IMAGE} id': ${out}"
  ip link show docker0 >/dev/null 2>&1 || fail "the host's docker0 is gone"
  say "main engine: docker run --rm ${SWARM_TEST_IMAGE} id -> ${out}; docker0 present"
fi
