#!/usr/bin/env bash
# AOT check of samples/QuickStart: publishes it with NativeAOT and with full trimming, reports every trim/AOT warning
# (IL2xxx/IL3xxx), runs the published binaries and compares their output with a normal (JIT) run of the same sample.
#
#   tests/aot-check.sh                   # exit 0: no IL2xxx/IL3xxx warning, every binary printed what the JIT run printed
#   tests/aot-check.sh --require-native  # also fail (exit 3) when NativeAOT cannot be published on this machine
#
# NativeAOT needs the Microsoft.NETCore.App.Runtime.NativeAOT.<rid> runtime pack (since .NET 10 the ILCompiler
# package no longer carries the framework) and clang. When the NuGet sources lack that pack, the NativeAOT step is
# reported as SKIPPED and the other checks still run: the Roslyn trim/AOT/single-file analyzers over the sample and
# the generated code, ILLink's whole-program trim analysis (self-contained, PublishTrimmed, TrimMode=full), and the
# trimmed binary's output.
#
# Everything is built under a temp folder (--artifacts-path), so the repository's bin/ and obj/ are untouched.
# Takes about 1-2 minutes on 2 cores (more on the first NativeAOT run: the ILCompiler packages are restored).
set -uo pipefail
cd "$(dirname "$0")/.."

require_native=0
[ "${1:-}" = "--require-native" ] && require_native=1

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_CLI_UI_LANGUAGE=en
project=samples/QuickStart/QuickStart.csproj
rid=linux-x64
work=$(mktemp -d "${TMPDIR:-/tmp}/lstmgen-aot.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$SECONDS
failed=0
# The compiler's warnings are what is counted here, so they stay warnings (the repository treats warnings as errors).
common=(-c Release --disable-build-servers -p:TreatWarningsAsErrors=false -p:TrimmerSingleWarn=false)

il_warnings() { # file -> unique IL2xxx/IL3xxx warnings (or errors): the Roslyn analyzers' ("warning IL3050"), ILLink's
  # ("Trim analysis warning IL2026") and ILC's, without the trailing [project] (each is printed once per target)
  grep -E '(warning|error) IL[23][0-9]{3}' "$1" | sed -E 's/ +\[[^]]*\]$//' | sort -u
}

step() { echo; echo "== $* ($((SECONDS - start)) s)"; }

step "JIT reference run"
if ! dotnet build "$project" "${common[@]}" --artifacts-path "$work/jit" >"$work/jit.log" 2>&1; then
  tail -n 40 "$work/jit.log"; echo "FAIL: the sample does not build"; exit 1
fi
dotnet "$work/jit/bin/QuickStart/release/QuickStart.dll" >"$work/jit.txt" 2>&1 || { cat "$work/jit.txt"; echo "FAIL: JIT run"; exit 1; }
cat "$work/jit.txt"

compare() { # name binary
  local name=$1 binary=$2
  if ! "$binary" >"$work/$name.txt" 2>&1; then
    cat "$work/$name.txt"; echo "FAIL: $name binary exited with an error"; failed=1; return
  fi
  if diff -u "$work/jit.txt" "$work/$name.txt" >"$work/$name.diff"; then
    echo "$name output: identical to the JIT run ($(wc -l <"$work/$name.txt") lines)"
  else
    cat "$work/$name.diff"; echo "FAIL: $name output differs from the JIT run"; failed=1
  fi
}

report_warnings() { # name log
  local name=$1 log=$2 found
  found=$(il_warnings "$log")
  if [ -n "$found" ]; then
    echo "$found"; echo "FAIL: $name: $(echo "$found" | wc -l) trim/AOT warning(s)"; failed=1
  else
    echo "$name: no IL2xxx/IL3xxx warning"
  fi
}

step "NativeAOT publish ($rid)"
native=ran
if ! dotnet restore "$project" -r "$rid" -p:QuickStartPublishAot=true --artifacts-path "$work/aot" >"$work/aot-restore.log" 2>&1; then
  if grep -q "NU1101.*Microsoft.NETCore.App.Runtime.NativeAOT" "$work/aot-restore.log"; then
    native="SKIPPED: the NuGet sources have no Microsoft.NETCore.App.Runtime.NativeAOT.$rid package (NativeAOT's runtime pack)"
  else
    tail -n 40 "$work/aot-restore.log"; echo "FAIL: NativeAOT restore"; failed=1; native=failed
  fi
elif ! command -v clang >/dev/null 2>&1; then
  native="SKIPPED: clang is not installed (apt-get install clang lld)"
fi
if [ "$native" = ran ]; then
  dotnet publish "$project" "${common[@]}" -r "$rid" -p:QuickStartPublishAot=true --no-restore --artifacts-path "$work/aot" >"$work/aot.log" 2>&1
  status=$?
  report_warnings NativeAOT "$work/aot.log"
  binary=$(find "$work/aot/publish/QuickStart" -maxdepth 2 -type f -name QuickStart | head -n 1)
  if [ $status -ne 0 ] || [ -z "$binary" ]; then
    tail -n 40 "$work/aot.log"; echo "FAIL: NativeAOT publish"; failed=1
  else
    echo "native binary: $(stat -c %s "$binary") bytes ($(du -h "$binary" | cut -f1)), $(file -b "$binary" 2>/dev/null | cut -d, -f1-2)"
    compare native "$binary"
  fi
else
  echo "$native"
fi

step "Trimmed self-contained publish ($rid, TrimMode=full, AOT/trim/single-file analyzers on)"
if ! dotnet publish "$project" "${common[@]}" -r "$rid" --self-contained -p:PublishTrimmed=true -p:TrimMode=full \
    -p:EnableTrimAnalyzer=true -p:EnableAotAnalyzer=true -p:EnableSingleFileAnalyzer=true \
    --artifacts-path "$work/trim" >"$work/trim.log" 2>&1; then
  tail -n 40 "$work/trim.log"; echo "FAIL: trimmed publish"; failed=1
else
  report_warnings "Trimmed publish" "$work/trim.log"
  trimmed=$(find "$work/trim/publish/QuickStart" -maxdepth 2 -type f -name QuickStart | head -n 1)
  echo "trimmed app: $(du -sh "$(dirname "$trimmed")" | cut -f1) in $(find "$(dirname "$trimmed")" -type f | wc -l) files"
  compare trimmed "$trimmed"
fi

step "Summary"
echo "NativeAOT: $native"
if [ $failed -ne 0 ]; then
  echo "AOT check FAILED after $((SECONDS - start)) s"; exit 1
fi
if [ "$native" != ran ] && [ $require_native -eq 1 ]; then
  echo "AOT check: NativeAOT not run (--require-native) after $((SECONDS - start)) s"; exit 3
fi
echo "AOT check passed after $((SECONDS - start)) s"
