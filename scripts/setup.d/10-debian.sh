# Debian packages for building, testing and fuzzing the C++ tool.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

packages=(
  build-essential cmake ninja-build pkg-config ccache
  clang clang-format clang-tidy libclang-rt-14-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libsimdjson-dev libtomlplusplus-dev libcli11-dev libfmt-dev
  libcurl4-openssl-dev libarchive-dev zlib1g-dev libzstd-dev libssl-dev libexpat1-dev
  openjdk-17-jdk-headless maven
  python3-venv curl unzip procps psmisc bc
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  log "debian: all ${#packages[@]} packages present"
  exit 0
fi
log "debian: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
as_root apt-get update -qq
as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
