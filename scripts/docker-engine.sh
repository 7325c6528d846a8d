#!/usr/bin/env bash
# Bring up a local Docker engine and the test image the Docker driver's tests,
# conformance run and benchmark use. Idempotent: every step is skipped when its
# result is already there, so CI, developers and the fault test (which kills
# dockerd and calls this again) all use the same script.
#
# Needs root (it installs packages and starts dockerd). No registry is
# reachable, so the image is built from Debian's busybox-static and imported.
#
# Environment (all optional):
#   DOCKER_SOCKET   socket to wait for          (default /var/run/docker.sock)
#   DOCKERD_LOG     where dockerd writes its log (default /tmp/dockerd.log)
#   TEST_IMAGE      tag of the test image        (default openagent-test/busybox:latest)
#   ENGINE_WAIT_S   seconds to wait for the engine (default 60)
#   ENGINE_IMAGE_ONLY=1  only build the image on the engine at DOCKER_SOCKET,
#                   which must already answer (scripts/swarm-cluster.sh uses
#                   this for its nodes: one recipe for the image everywhere)
set -euo pipefail

DOCKER_SOCKET="${DOCKER_SOCKET:-/var/run/docker.sock}"
DOCKERD_LOG="${DOCKERD_LOG:-/tmp/dockerd.log}"
TEST_IMAGE="${TEST_IMAGE:-openagent-test/busybox:latest}"
ENGINE_WAIT_S="${ENGINE_WAIT_S:-60}"
# The image content is versioned by this label: bump it when the root file
# system below changes, so an old image is replaced rather than trusted.
IMAGE_REVISION="5"

say() { printf '[docker-engine] %s\n' "$*"; }
fail() {
  printf '[docker-engine] ERROR: %s\n' "$*" >&2
  exit 1
}

engine_answers() { docker -H "unix://${DOCKER_SOCKET}" version >/dev/null 2>&1; }

# --- 1. packages --------------------------------------------------------------
install_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  [ -x /bin/busybox ] && /bin/busybox --list >/dev/null 2>&1 && dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
  if [ "${#missing[@]}" -eq 0 ]; then
    say "packages present: dockerd and busybox-static"
    return
  fi
  [ "$(id -u)" -eq 0 ] || fail "installing ${missing[*]} needs root; run this script as root"
  say "installing ${missing[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --- 2. the engine ------------------------------------------------------------
start_engine() {
  if engine_answers; then
    say "engine answers on ${DOCKER_SOCKET}"
    return
  fi
  [ "$(id -u)" -eq 0 ] || fail "starting dockerd needs root; run this script as root"
  # A dockerd killed with SIGKILL leaves its pid file and socket behind, and a
  # containerd it started may still run; dockerd refuses to start over a live
  # pid file, so clear what belongs to a dead process.
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    rm -f /var/run/docker.pid
  fi
  if [ -f /var/run/docker.pid ]; then
    say "dockerd (pid $(cat /var/run/docker.pid)) runs but does not answer yet; waiting"
  else
    rm -f "${DOCKER_SOCKET}"
    say "starting dockerd (log: ${DOCKERD_LOG})"
    # No iptables: the test containers use network 'none' or internal bridges,
    # and many CI sandboxes have no netfilter.
    nohup dockerd --iptables=false --ip-masq=false -H "unix://${DOCKER_SOCKET}" >>"${DOCKERD_LOG}" 2>&1 &
  fi
  local deadline=$((SECONDS + ENGINE_WAIT_S))
  until engine_answers; do
    if [ "${SECONDS}" -ge "${deadline}" ]; then
      tail -n 30 "${DOCKERD_LOG}" >&2 || true
      fail "the engine did not answer on ${DOCKER_SOCKET} within ${ENGINE_WAIT_S}s (log above)"
    fi
    sleep 0.2
  done
  say "engine answers: $(docker -H "unix://${DOCKER_SOCKET}" version --format 'server {{.Server.Version}}, API {{.Server.APIVersion}}')"
}

# --- 3. the test image --------------------------------------------------------
build_image() {
  local current
  current="$(docker -H "unix://${DOCKER_SOCKET}" image inspect "${TEST_IMAGE}" \
    --format '{{ index .Config.Labels "org.openagent.test-image.revision" }}' 2>/dev/null || true)"
  if [ "${current}" = "${IMAGE_REVISION}" ]; then
    say "image ${TEST_IMAGE} present (revision ${IMAGE_REVISION})"
    return
  fi
  say "building ${TEST_IMAGE} (revision ${IMAGE_REVISION}) from busybox-static"
  local root
  root="$(mktemp -d)"
  trap 'rm -rf "${root}"' RETURN
  mkdir -p "${root}/bin" "${root}/sbin" "${root}/usr/bin" "${root}/usr/sbin" "${root}/etc" \
    "${root}/tmp" "${root}/home/openagent" "${root}/root" "${root}/proc" "${root}/sys" "${root}/dev" "${root}/data"
  cp /bin/busybox "${root}/bin/busybox"
  # One symlink per applet, at the path busybox itself reports for it.
  local applet
  while IFS= read -r applet; do
    [ -e "${root}/${applet}" ] || ln -s /bin/busybox "${root}/${applet}"
  done < <(/bin/busybox --list-full)
  chmod 1777 "${root}/tmp"
  # /data is writable by every user, like /tmp: an empty engine volume mounted
  # there takes the directory's owner and mode, so both the default user
  # (openagent) and a capability-less root can write to a fresh volume.
  chmod 1777 "${root}/data"
  cat >"${root}/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
openagent:x:1000:1000:openagent:/home/openagent:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
  cat >"${root}/etc/group" <<'EOF'
root:x:0:
openagent:x:1000:
nogroup:x:65534:
EOF
  chown 1000:1000 "${root}/home/openagent"
  tar -C "${root}" -cf - . | docker -H "unix://${DOCKER_SOCKET}" import \
    --change 'CMD ["/bin/sh"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "LABEL org.openagent.test-image.revision=${IMAGE_REVISION}" \
    - "${TEST_IMAGE}" >/dev/null
  say "imported ${TEST_IMAGE}"
}

if [ "${ENGINE_IMAGE_ONLY:-}" = 1 ]; then
  engine_answers || fail "no engine answers on ${DOCKER_SOCKET} (ENGINE_IMAGE_ONLY=1 starts none)"
else
  install_packages
  start_engine
fi
build_image
say "ready: docker run --rm ${TEST_IMAGE} id"
