#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Seeds the fuzz corpora (tests/fuzz/corpus/<target>/) from the shared
# third-party corpus and the project's own files.  Run once before a first
# fuzzing campaign; afterwards the corpora grow by fuzzing and are kept
# small with -merge=1 (README.md).  Existing files are kept.
#
#   tests/fuzz/seed.sh SHARED_CORPUS BUILDDIR
#     SHARED_CORPUS  e.g. ../shared/corpus (pcap/, nft/, iptables/)
#     BUILDDIR       a build with tests/fuzz/seed-decode in it
set -eu

shared=$1
build=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
corpus=$here/corpus

mkdir -p "$corpus/fuzz-decode" "$corpus/fuzz-capture" "$corpus/fuzz-topology" \
	"$corpus/fuzz-nft-json" "$corpus/fuzz-iptables"

# decoder: one frame per new "shape", ≤ 1500 files (seed-decode.c)
find "$shared/pcap" -type f \( -name '*.pcap' -o -name '*.pcapng' \) | sort |
	xargs "$build/tests/fuzz/seed-decode" "$corpus/fuzz-decode"

# name a copy after its path below the source directory
copy() { # SRC-ROOT FILE DEST-DIR
	name=$(printf '%s' "${2#"$1"/}" | tr '/' '_')
	cp "$2" "$3/$name"
}

# captures: the small ones whole (≤ 4 KiB), ≤ 200
find "$shared/pcap" -type f \( -name '*.pcap' -o -name '*.pcapng' \) -size -4k | sort | head -n 200 |
	while read -r f; do copy "$shared/pcap" "$f" "$corpus/fuzz-capture"; done

# topology: every YAML file of the project's tests and the documented example
find "$root/tests/data" "$root/docs/examples" -name '*.yaml' | sort |
	while read -r f; do copy "$root" "$f" "$corpus/fuzz-topology"; done

# nft JSON: ≤ 300 of the files between 200 B and 8 KiB, taken evenly from
# the sorted list so every source (nftables shell tests, nftables-rs, the
# local kernel's listings) is represented
find "$shared/nft" -type f \( -name '*.json' -o -name '*.json-nft' \) -size +200c -size -8k | sort >"$corpus/.list"
n=$(wc -l <"$corpus/.list")
awk -v n="$n" 'BEGIN { step = n / 300; if (step < 1) step = 1 } NR >= next_pick { print; next_pick += step }' \
	"$corpus/.list" | while read -r f; do copy "$shared/nft" "$f" "$corpus/fuzz-nft-json"; done
rm -f "$corpus/.list"

# iptables-save: the files below 16 KiB
find "$shared/iptables" -type f ! -name '*.tsv' -size -16k | sort |
	while read -r f; do copy "$shared/iptables" "$f" "$corpus/fuzz-iptables"; done

for d in "$corpus"/*/; do
	printf '%s: %s files, %s\n' "$(basename "$d")" "$(ls "$d" | wc -l)" "$(du -sh "$d" | cut -f1)"
done
