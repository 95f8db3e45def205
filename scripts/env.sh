# shellcheck shell=bash
# Shared by scripts/setup, scripts/test and scripts/develop: finds or provisions a
# Python >= 3.14.2 environment and runs commands inside it.
#
# Two kinds of environment:
#   * host:   a Python >= 3.14.2 on PATH (a laptop, a devcontainer); a venv in $CACHE_DIR/venv.
#   * forky:  a minimal Debian forky root under $CACHE_DIR/forky (Debian hosts only, as root),
#             with a venv at /venv inside it; the project is bind-mounted at /project in a
#             private mount namespace, so nothing stays mounted when the command ends.
# SIMKL_ENV=host|forky forces one kind. SIMKL_VENV names another venv next to the main one
# (`ensure_test_env`): the test suite also runs against other Home Assistant versions.

set -euo pipefail

PROJECT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_DIR="${SIMKL_CACHE_DIR:-$PROJECT_DIR/.cache}"
FORKY_DIR="$CACHE_DIR/forky"
HOST_VENV="$CACHE_DIR/venv"
REQUIREMENTS=("$PROJECT_DIR/requirements_test.txt")
# Packages Home Assistant installs at start-up or on first use of the UI; pre-installed so
# `scripts/develop` works without reaching out while it runs.
DEVELOP_PACKAGES=(home-assistant-frontend==20260930.5 pyotp PyQRCode)
# Wanted by assist_pipeline once the UI lists actions; no Python 3.14 wheels exist, so they are
# built once, for `scripts/develop` only, with a C++ compiler and the Python headers.
DEVELOP_BUILT_PACKAGES=(pymicro-vad==1.0.1 pyspeex-noise==1.0.2)

log() { printf '==> %s\n' "$*" >&2; }

python_fits() {
  "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 14, 2) else 1)' 2>/dev/null
}

find_host_python() {
  local candidate
  for candidate in python3.14 python3.15 python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 && python_fits "$candidate"; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

env_kind() {
  if [[ -n "${SIMKL_ENV:-}" ]]; then
    echo "$SIMKL_ENV"
  elif find_host_python >/dev/null; then
    echo host
  else
    echo forky
  fi
}

requirements_digest() {
  cat "${REQUIREMENTS[@]}" "$PROJECT_DIR/scripts/env.sh" | sha256sum | cut -d' ' -f1
}

provision_forky_root() {
  if [[ -f "$FORKY_DIR/.simkl-root-ready" ]]; then
    return 0
  fi
  if [[ ! -f /etc/debian_version ]]; then
    log "No Python >= 3.14.2 found on PATH and this is not a Debian host."
    log "Install Python 3.14 (python.org, pyenv, uv python install 3.14) and run this again."
    return 1
  fi
  if [[ "$(id -u)" != 0 ]]; then
    log "Building the Python 3.14 root needs root (debootstrap, chroot). Run as root or install Python 3.14."
    return 1
  fi
  if ! command -v debootstrap >/dev/null 2>&1; then
    log "Installing debootstrap"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  fi
  log "Building a Debian forky root with Python 3.14 in $FORKY_DIR (about a minute, once)"
  rm -rf "$FORKY_DIR"
  mkdir -p "$FORKY_DIR"
  debootstrap --variant=minbase --include=python3.14,python3.14-venv,ca-certificates \
    forky "$FORKY_DIR" http://deb.debian.org/debian /usr/share/debootstrap/scripts/sid >"$CACHE_DIR/debootstrap.log" 2>&1 \
    || { tail -n 20 "$CACHE_DIR/debootstrap.log" >&2; return 1; }
  mkdir -p "$FORKY_DIR/project"
  touch "$FORKY_DIR/.simkl-root-ready"
}

refresh_forky_host_files() {
  cp -f /etc/resolv.conf "$FORKY_DIR/etc/resolv.conf"
  if [[ -f /etc/ssl/certs/ca-certificates.crt ]]; then
    cp -f /etc/ssl/certs/ca-certificates.crt "$FORKY_DIR/etc/ssl/certs/ca-certificates.crt"
  fi
}

# Runs "$@" inside the environment, from the project directory, with the venv first on PATH
# (the main one, or the one SIMKL_VENV names).
in_env() {
  local kind venv="${SIMKL_VENV:-venv}"
  kind="$(env_kind)"
  if [[ "$kind" == host ]]; then
    (cd "$PROJECT_DIR" && PATH="$CACHE_DIR/$venv/bin:$PATH" VIRTUAL_ENV="$CACHE_DIR/$venv" "$@")
    return
  fi
  local -a passthrough=()
  local name
  for name in CI TERM COLUMNS PYTEST_ADDOPTS SIMKL_DEMO_API_URL SIMKL_DEMO_PORT SIMKL_DEMO_APPROVE_AFTER; do
    if [[ -n "${!name:-}" ]]; then
      passthrough+=("$name=${!name}")
    fi
  done
  unshare --mount --propagation private -- /bin/bash -c '
    set -e
    root="$1"; project="$2"; venv="$3"; shift 3
    mount --bind "$project" "$root/project"
    mount -t proc proc "$root/proc" 2>/dev/null || true
    mount --bind /dev "$root/dev" 2>/dev/null || true
    exec chroot "$root" /usr/bin/env -i \
      HOME=/root LANG=C.UTF-8 PATH="/$venv/bin:/usr/local/bin:/usr/bin:/bin" VIRTUAL_ENV="/$venv" \
      SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
      UV_SYSTEM_CERTS=1 UV_NATIVE_TLS=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
      "$@"
  ' simkl-env "$FORKY_DIR" "$PROJECT_DIR" "$venv" "${passthrough[@]}" /bin/sh -c 'cd /project && exec "$@"' sh "$@"
}

# Creates or updates the environment; fast (a digest check) when nothing changed.
ensure_env() {
  mkdir -p "$CACHE_DIR"
  local kind stamp digest
  kind="$(env_kind)"
  digest="$(requirements_digest)"
  if [[ "$kind" == host ]]; then
    stamp="$HOST_VENV/.simkl-requirements"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$digest" ]]; then
      return 0
    fi
    local python
    python="$(find_host_python)" || { log "SIMKL_ENV=host but no Python >= 3.14.2 on PATH"; return 1; }
    log "Creating the virtual environment with $python"
    [[ -x "$HOST_VENV/bin/python" ]] || "$python" -m venv "$HOST_VENV"
  else
    provision_forky_root
    refresh_forky_host_files
    stamp="$FORKY_DIR/venv/.simkl-requirements"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$digest" ]]; then
      return 0
    fi
    if [[ ! -x "$FORKY_DIR/venv/bin/python" ]]; then
      log "Creating the virtual environment in the forky root"
      chroot "$FORKY_DIR" /usr/bin/python3.14 -m venv /venv
    fi
  fi
  log "Installing the test and development requirements (about a minute, once)"
  in_env env -u PIP_FIND_LINKS python -m pip install --quiet --upgrade pip
  in_env env -u PIP_FIND_LINKS python -m pip install --quiet -r requirements_test.txt "${DEVELOP_PACKAGES[@]}"
  echo "$digest" >"$stamp"
}

# Extras only the development server needs; a failure here is reported, not fatal.
ensure_develop_extras() {
  local kind stamp
  kind="$(env_kind)"
  if [[ "$kind" == host ]]; then
    stamp="$HOST_VENV/.simkl-develop-extras"
  else
    stamp="$FORKY_DIR/venv/.simkl-develop-extras"
  fi
  [[ -f "$stamp" ]] && return 0
  log "Building ${DEVELOP_BUILT_PACKAGES[*]} for Home Assistant's voice pipeline (once)"
  if [[ "$kind" == forky ]]; then
    chroot "$FORKY_DIR" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
      /bin/sh -c 'apt-get -o Acquire::Check-Valid-Until=false update -qq &&
        apt-get -o Acquire::Check-Valid-Until=false install -y -qq g++ python3.14-dev' \
      >"$CACHE_DIR/develop-extras.log" 2>&1 || true
  fi
  if in_env env -u PIP_FIND_LINKS python -m pip install --quiet "${DEVELOP_BUILT_PACKAGES[@]}" \
    >>"$CACHE_DIR/develop-extras.log" 2>&1; then
    touch "$stamp"
  else
    log "Could not build them (see $CACHE_DIR/develop-extras.log); Home Assistant will log install errors"
  fi
}

# Prints the newest release of a package on PyPI (no pre-releases), as pip sees it.
newest_on_pypi() {
  in_env env -u PIP_FIND_LINKS python -m pip index versions "$1" 2>/dev/null |
    sed -n 's/^[^ ]* (\(.*\))$/\1/p' | head -n 1
}

# `ensure_test_env NAME REQUIREMENT...`: a venv NAME next to the main one (run commands in it
# with `SIMKL_VENV=NAME in_env ...`) holding these requirements. Rebuilt only when they change.
ensure_test_env() {
  local name="$1"; shift
  local path stamp digest
  if [[ "$(env_kind)" == host ]]; then path="$CACHE_DIR/$name"; else path="$FORKY_DIR/$name"; fi
  stamp="$path/.simkl-requirements"
  digest="$(printf '%s\n' "$@" | sha256sum | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$digest" ]]; then
    return 0
  fi
  log "Creating the test environment $name: $* (a minute or two, once)"
  rm -rf "$path"
  if [[ "$(env_kind)" == host ]]; then
    "$(find_host_python)" -m venv "$path"
  else
    chroot "$FORKY_DIR" /usr/bin/python3.14 -m venv "/$name"
  fi
  local log_file="$CACHE_DIR/$name-install.log"
  if ! SIMKL_VENV="$name" in_env env -u PIP_FIND_LINKS sh -c \
    'python -m pip install --quiet --upgrade pip && python -m pip install --quiet "$@"' \
    sh "$@" >"$log_file" 2>&1; then
    tail -n 20 "$log_file" >&2
    return 1
  fi
  echo "$digest" >"$stamp"
}
