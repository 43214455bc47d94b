#!/usr/bin/env bash
# AOT check of samples/QuickStart (the generated API, then Fit on a small model, safetensors Save and Load, Predict):
# publishes it with NativeAOT and with full trimming, reports every trim/AOT warning (IL2xxx/IL3xxx), runs the
# published binaries, compares their output with a normal (JIT) run of the same program, and times the NativeAOT
# binary against the JIT run.
#
#   tests/aot-check.sh                       # exit 0: no IL2xxx/IL3xxx warning, same output, NativeAOT within 1.5x
#   tests/aot-check.sh --require-native      # also fail (exit 3) when NativeAOT cannot be published here (CI)
#   AOT_INSTRUCTION_SET=x86-64-v3 tests/aot-check.sh   # publish for another IlcInstructionSet (default: none given)
#
# The NativeAOT publish is a default one (no IlcInstructionSet: x86-64-v2 on x64, 128-bit vectors without FMA), as
# a user's first `dotnet publish -p:PublishAot=true` is. Output: when the binary's kernels run the same configuration
# as the JIT run (the "Kernels:" line: vector width and FMA) the outputs must be identical; otherwise every number must
# agree within 1e-5 relative (or one unit of its last printed digit): without FMA each multiply-add rounds twice, which
# moves the trained forecasts by about 2e-7 relative (docs/performance.md). Speed: best of two runs each, wall clock of
# the whole program (start-up and the JIT's compilation included, as a user sees it); fails beyond 1.5x the JIT's.
# The program's own timings of Fit and of a batch-1 Predict (QUICKSTART_TIMING=1, on standard error) are reported too:
# they leave out start-up and most of the JIT's compilation.
#
# NativeAOT needs the Microsoft.NETCore.App.Runtime.NativeAOT.<rid> runtime pack and clang (and lld); .ci/run installs
# clang and lld when missing. Without them the NativeAOT step is reported as SKIPPED (a failure with --require-native).
#
# Everything is built under a temp folder (--artifacts-path), so the repository's bin/ and obj/ are untouched.
# Takes about 2-3 minutes on 2 cores.
set -uo pipefail
cd "$(dirname "$0")/.."

require_native=0
[ "${1:-}" = "--require-native" ] && require_native=1
instruction_set=${AOT_INSTRUCTION_SET:-}
max_ratio=1.5

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_CLI_UI_LANGUAGE=en
project=samples/QuickStart/QuickStart.csproj
rid=linux-x64
work=$(mktemp -d "${TMPDIR:-/tmp}/lstmgen-aot.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$SECONDS
failed=0
# The compiler's warnings are what is counted here, so they stay warnings (the repository treats warnings as errors).
# The trim, AOT and single-file analyzers run on every project, src/LstmGen included (its Release builds skip them
# elsewhere): they see all of LstmGen's code, where the NativeAOT compiler sees only what the sample reaches.
common=(-c Release --disable-build-servers -p:TreatWarningsAsErrors=false -p:TrimmerSingleWarn=false
  -p:EnableTrimAnalyzer=true -p:EnableAotAnalyzer=true -p:EnableSingleFileAnalyzer=true)

il_warnings() { # file -> unique IL2xxx/IL3xxx warnings (or errors): the Roslyn analyzers' ("warning IL3050"), ILLink's
  # ("Trim analysis warning IL2026") and ILC's, without the trailing [project] (each is printed once per target)
  grep -E '(warning|error) IL[23][0-9]{3}' "$1" | sed -E 's/ +\[[^]]*\]$//' | sort -u
}

step() { echo; echo "== $* ($((SECONDS - start)) s)"; }

timed() { # output-file command... -> runs it, prints its wall-clock seconds; returns its exit code
  local out=$1; shift
  local t0 t1 rc
  t0=$(date +%s%N); QUICKSTART_TIMING=1 "$@" >"$out" 2>"$out.timing"; rc=$?; t1=$(date +%s%N)
  [ $rc -ne 0 ] && cat "$out.timing" >>"$out"
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'
  return $rc
}

best_of_two() { # name command... -> runs it twice, output in $work/name.txt, prints the faster time; fails on error
  local name=$1; shift
  local t1 t2
  t1=$(timed "$work/$name.txt" "$@") || return 1
  t2=$(timed "$work/$name.2.txt" "$@") || return 1
  cmp -s "$work/$name.txt" "$work/$name.2.txt" || { echo "two runs of $name printed different output" >&2; return 1; }
  awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.3f", (a < b ? a : b) }'
  # the program's own timings of the faster run (Fit alone, batch-1 Predict), for the report
  if awk -v a="$t1" -v b="$t2" 'BEGIN { exit !(a <= b) }'; then cp "$work/$name.txt.timing" "$work/$name.timing"; else cp "$work/$name.2.txt.timing" "$work/$name.timing"; fi
}

same_numbers() { # file1 file2 -> exit 0 when the lines agree, numbers within 1e-5 relative or one unit of the last
  # printed digit, the text between them identical; the "Kernels:" line (width and FMA) may differ
  awk 'BEGIN { bad = 0 }
    function parse(line, nums,   n, rest, tok) {
      n = 0; rest = line; skel = ""
      while (match(rest, /-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?/)) {
        tok = substr(rest, RSTART, RLENGTH); skel = skel substr(rest, 1, RSTART - 1) "#"
        nums[++n] = tok; rest = substr(rest, RSTART + RLENGTH)
      }
      skel = skel rest; return n
    }
    function ulp(tok,   d) { if (tok ~ /[eE]/) return 0; d = index(tok, "."); return d ? 10 ^ -(length(tok) - d) : 1 }
    NR == FNR { a[FNR] = $0; na = FNR; next }
    { nb = FNR
      if (a[FNR] == $0 || (a[FNR] ~ /^Kernels: / && $0 ~ /^Kernels: /)) next
      n1 = parse(a[FNR], x); s1 = skel; n2 = parse($0, y); s2 = skel
      if (s1 != s2 || n1 != n2) { print "line " FNR " differs: " a[FNR] " | " $0; bad = 1; next }
      for (i = 1; i <= n1; i++) {
        d = x[i] - y[i]; if (d < 0) d = -d
        m = x[i] < 0 ? -x[i] : x[i]
        tol = 1e-5 * m; u = ulp(x[i]) > ulp(y[i]) ? ulp(x[i]) : ulp(y[i]); if (u > tol) tol = u
        if (d > tol) { print "line " FNR ": " x[i] " vs " y[i] " (tolerance " tol ")"; bad = 1 }
      }
    }
    END { if (na != nb) { print "line counts differ: " na " vs " nb; bad = 1 } exit bad }' "$1" "$2"
}

compare() { # name binary
  local name=$1 binary=$2
  if ! "$binary" >"$work/$name.txt" 2>&1; then
    cat "$work/$name.txt"; echo "FAIL: $name binary exited with an error"; failed=1; return
  fi
  check_output "$name"
}

check_output() { # name -> compares $work/name.txt with the JIT run's output
  local name=$1
  local kj kn
  kj=$(grep '^Kernels: ' "$work/jit.txt"); kn=$(grep '^Kernels: ' "$work/$name.txt")
  if diff -u "$work/jit.txt" "$work/$name.txt" >"$work/$name.diff"; then
    echo "$name output: identical to the JIT run ($(wc -l <"$work/$name.txt") lines; ${kn#Kernels: })"
  elif [ "$kj" != "$kn" ] && same_numbers "$work/jit.txt" "$work/$name.txt" >"$work/$name.numbers"; then
    echo "$name output: same as the JIT run within 1e-5 ($(wc -l <"$work/$name.txt") lines; kernels: ${kn#Kernels: }; JIT: ${kj#Kernels: }):"
    sed -n 's/^/  /p' "$work/$name.diff" | grep -E '^  [-+][^-+]'
  else
    cat "$work/$name.diff"; [ -s "$work/$name.numbers" ] && cat "$work/$name.numbers"
    echo "FAIL: $name output differs from the JIT run"; failed=1
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

step "JIT reference run"
if ! dotnet build "$project" "${common[@]}" --artifacts-path "$work/jit" >"$work/jit.log" 2>&1; then
  tail -n 40 "$work/jit.log"; echo "FAIL: the sample does not build"; exit 1
fi
if ! jit_time=$(best_of_two jit dotnet "$work/jit/bin/QuickStart/release/QuickStart.dll"); then
  cat "$work/jit.txt"; echo "FAIL: JIT run"; exit 1
fi
cat "$work/jit.txt"
echo "JIT run: ${jit_time} s (best of two; $(sed 's/^timing: //' "$work/jit.timing"))"

step "NativeAOT publish ($rid, IlcInstructionSet=${instruction_set:-default})"
native=ran
aot_props=(-p:QuickStartPublishAot=true)
[ -n "$instruction_set" ] && aot_props+=("-p:IlcInstructionSet=$instruction_set")
if ! dotnet restore "$project" -r "$rid" "${aot_props[@]}" --artifacts-path "$work/aot" >"$work/aot-restore.log" 2>&1; then
  if grep -q "NU1101.*Microsoft.NETCore.App.Runtime.NativeAOT" "$work/aot-restore.log"; then
    native="SKIPPED: the NuGet sources have no Microsoft.NETCore.App.Runtime.NativeAOT.$rid package (NativeAOT's runtime pack)"
  else
    tail -n 40 "$work/aot-restore.log"; echo "FAIL: NativeAOT restore"; failed=1; native=failed
  fi
elif ! command -v clang >/dev/null 2>&1; then
  native="SKIPPED: clang is not installed (apt-get install clang lld)"
fi
if [ "$native" = ran ]; then
  dotnet publish "$project" "${common[@]}" -r "$rid" "${aot_props[@]}" --no-restore --artifacts-path "$work/aot" >"$work/aot.log" 2>&1
  status=$?
  report_warnings NativeAOT "$work/aot.log"
  advice=$(grep -o 'warning LSTMGENAOT01: [^.]*' "$work/aot.log" | head -n 1)
  [ -z "$instruction_set" ] && echo "${advice:-FAIL: no LSTMGENAOT01 advice without IlcInstructionSet}" && [ -z "$advice" ] && failed=1
  binary=$(find "$work/aot/publish/QuickStart" -maxdepth 2 -type f -name QuickStart | head -n 1)
  if [ $status -ne 0 ] || [ -z "$binary" ]; then
    tail -n 40 "$work/aot.log"; echo "FAIL: NativeAOT publish"; failed=1; native=failed
  else
    size=$(stat -c %s "$binary")
    echo "native binary: $size bytes ($(awk -v s="$size" 'BEGIN { printf "%.1f MiB", s / 1048576 }')), $(file -b "$binary" 2>/dev/null | cut -d, -f1-2)"
    if ! native_time=$(best_of_two native "$binary"); then
      cat "$work/native.txt"; echo "FAIL: native binary exited with an error"; failed=1
    else
      check_output native
      ratio=$(awk -v a="$native_time" -v b="$jit_time" 'BEGIN { printf "%.2f", a / b }')
      if awk -v r="$ratio" -v m="$max_ratio" 'BEGIN { exit !(r > m) }'; then
        echo "FAIL: NativeAOT run ${native_time} s vs JIT ${jit_time} s: ${ratio}x, above ${max_ratio}x"; failed=1
      else
        echo "speed: NativeAOT ${native_time} s vs JIT ${jit_time} s (best of two each, whole program): ${ratio}x (limit ${max_ratio}x)"
        echo "  inside the program: NativeAOT $(sed 's/^timing: //' "$work/native.timing"); JIT $(sed 's/^timing: //' "$work/jit.timing")"
      fi
    fi
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
echo "NativeAOT: $native${native_time:+ (${size} bytes, ${native_time} s vs JIT ${jit_time} s: ${ratio}x)}"
if [ $failed -ne 0 ]; then
  echo "AOT check FAILED after $((SECONDS - start)) s"; exit 1
fi
if [ "$native" != ran ] && [ $require_native -eq 1 ]; then
  echo "AOT check: NativeAOT not run (--require-native) after $((SECONDS - start)) s"; exit 3
fi
echo "AOT check passed after $((SECONDS - start)) s"
