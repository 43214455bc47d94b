#!/usr/bin/env bash
# Generates the API reference in docs/api (Markdown, one page per type; namespaces LstmGen, LstmGen.Data, LstmGen.Export,
# LstmGen.Import) from the XML documentation comments of src/LstmGen, with docfx 2.81 (the local tool of
# .config/dotnet-tools.json), and writes docs/api/README.md, the index. The output is committed; run this after changing
# a public API or its docs.
#
#   docs/build-api.sh           regenerate docs/api
#   docs/build-api.sh --check   regenerate into a temporary folder and fail if docs/api differs (stale reference)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

check=0
if [[ "${1:-}" == "--check" ]]; then check=1; fi

dotnet tool restore >/dev/null
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# docfx loads src/LstmGen/LstmGen.csproj with MSBuild (Release), compiles it in memory and reads the XML docs; only public
# and protected members are documented. Git features are off so the pages do not depend on the clone.
config="$out/docfx.json"
sed "s|\"dest\": \"api\"|\"dest\": \"$out/api\"|" docs/docfx.json > "$config"
sed -i "s|\"src\": \"../src/LstmGen\"|\"src\": \"$root/src/LstmGen\"|" "$config"
dotnet docfx metadata "$config" --logLevel warning

# The index, from docfx's table of contents: each namespace, then its types by kind. In toc.yml a type is
# "  - name: T" followed by "    href: page"; an entry without an href is a kind header (Classes, Structs, Enums, ...).
awk '
  function flush() { if (line != "") { print line; line = "" } }
  function header(kind) { flush(); print ""; line = "**" kind ":** "; sep = "" }
  BEGIN {
    print "# LstmGen API reference"
    print ""
    print "Generated from the XML documentation comments of `src/LstmGen` by `docs/build-api.sh` (docfx 2.81); do not edit"
    print "these pages by hand. The model classes themselves (`Predict`, `PredictBatch`, `ComputeGradients`, `OpenStream`,"
    print "`Weights`, ...) are written for each `[Sequential]` class by the source generator, so they are not listed here: see"
    print "the [README](../../README.md#what-the-generator-writes), the [walkthrough](../walkthrough.md) and"
    print "`tests/LstmGen.Generators.Tests/Snapshots` for their members."
  }
  /^- name: / { if (pending != "") header(pending); pending = ""; flush(); ns = substr($0, 9); next }
  /^  href: / { print ""; print "## Namespace [" ns "](" substr($0, 9) ")"; next }
  /^  - name: / { if (pending != "") header(pending); pending = substr($0, 11); next }
  /^    href: / { text = pending; gsub(/</, "\\&lt;", text); gsub(/>/, "\\&gt;", text)
                 line = line sep "[" text "](" substr($0, 11) ")"; sep = ", "; pending = ""; next }
  END { if (pending != "") header(pending); flush() }
' "$out/api/toc.yml" > "$out/api/README.md"

if [[ $check == 1 ]]; then
  if ! diff -r -q "$root/docs/api" "$out/api"; then
    echo "docs/api is stale: run docs/build-api.sh and commit the result." >&2
    exit 1
  fi
  echo "docs/api is up to date."
else
  rm -rf "$root/docs/api"
  cp -r "$out/api" "$root/docs/api"
  echo "Wrote $(ls "$root/docs/api" | wc -l) files to docs/api."
fi
