#!/usr/bin/env bash
# Runs the TorchSharp peer (W1-W5 of torch_peer.py in TorchSharp 0.107 / libtorch 2.10) on Debian 12.
#
#   bash tests/LstmGen.TorchSharpPeer/run.sh [--threads 1,2] [--only W1,W5] [--quick] [--json FILE] [--check FILE]
#
# TorchSharp's native library needs GLIBCXX 3.4.32 (GCC 13+); Debian 12 has 3.4.30, and Debian 13's libstdc++ in turn
# needs its glibc 2.38+. So this script fetches Debian 13's libc6, libstdc++6 and libgcc-s1 packages once (apt-get
# download from deb.debian.org, into $LSTMGEN_TRIXIE_DIR, default ~/.cache/lstmgen-trixie; nothing is installed), and
# runs a copy of the peer's apphost whose ELF interpreter is Debian 13's loader (patchelf), with those libraries first
# on the library path. Needs apt-get and patchelf (apt-get install patchelf). Only this process sees them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${LSTMGEN_TRIXIE_DIR:-$HOME/.cache/lstmgen-trixie}
lib=$dir/root/usr/lib/x86_64-linux-gnu

if [ ! -e "$lib/libstdc++.so.6" ] || [ ! -e "$lib/ld-linux-x86-64.so.2" ]; then
  echo "Fetching Debian 13's libc6, libstdc++6 and libgcc-s1 into $dir" >&2
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/debs" "$dir/root"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" >"$dir/sources.list"
  apt_opts=(-o "Dir::Etc::sourcelist=$dir/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache")
  apt-get "${apt_opts[@]}" update >"$dir/apt.log" 2>&1 || { tail -n 5 "$dir/apt.log" >&2; exit 1; }
  (cd "$dir/debs" && apt-get "${apt_opts[@]}" download libc6 libstdc++6 libgcc-s1 >>"$dir/apt.log" 2>&1) || { tail -n 5 "$dir/apt.log" >&2; exit 1; }
  for deb in "$dir"/debs/*.deb; do dpkg-deb -x "$deb" "$dir/root"; done
fi
command -v patchelf >/dev/null || { echo "patchelf not found (apt-get install patchelf)" >&2; exit 1; }

dotnet build "$here/LstmGen.TorchSharpPeer.csproj" -c Release -nologo -v:q -o "$here/bin/peer" >&2
cp "$here/bin/peer/LstmGen.TorchSharpPeer" "$here/bin/peer/LstmGen.TorchSharpPeer.debian13"
patchelf --set-interpreter "$lib/ld-linux-x86-64.so.2" "$here/bin/peer/LstmGen.TorchSharpPeer.debian13"
DOTNET_ROOT=${DOTNET_ROOT:-$(dirname "$(readlink -f "$(command -v dotnet)")")} LD_LIBRARY_PATH="$lib" \
  exec "$here/bin/peer/LstmGen.TorchSharpPeer.debian13" "$@"
