# The include graph of src/, checks/ and fixers/ has no cycle and keeps its
# layers (tests/check-includes), and the checker itself fails on a cycle
# and on a layer breach, shown on small fake trees.
. "$MR_TESTS/cli/lib.sh"
need tsort coreutils

CHECK="$MR_TESTS/check-includes"
TOP=$(cd "$MR_TESTS/.." && pwd)

# The real tree.
if ! "$CHECK" "$TOP" >"$SCRATCH/real" 2>&1; then
    cat "$SCRATCH/real" >&2
    fail "the source tree's include graph has a cycle or breaks a layer"
fi
echo "ok: $(cat "$SCRATCH/real")"

# fake DIR FILE CONTENT...: writes a file of a fake tree.
fake() {
    mkdir -p "$(dirname "$1/$2")"
    printf '%s\n' "$3" >"$1/$2"
}

# A clean fake tree passes: the checker is not failing on everything.
T="$SCRATCH/clean"
fake "$T" src/a.h '#pragma once'
fake "$T" src/a.c '#include "config.h"
#include "a.h"
#include "b.h"'
fake "$T" src/b.h '#include <stdio.h>'
fake "$T" src/b.c '#include "b.h"'
fake "$T" checks/x.c '#include "a.h"'
"$CHECK" "$T" >"$SCRATCH/out" 2>&1 || { cat "$SCRATCH/out" >&2; fail "a tree without a cycle failed"; }
echo "ok: clean fake tree passes"

# b.c now includes a.h back: src/a -> src/b -> src/a.
fake "$T" src/b.c '#include "b.h"
#include "a.h"'
rc=0
"$CHECK" "$T" >"$SCRATCH/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "an injected cycle exited $rc, expected 1"
grep -q 'include cycle: src/a -> src/b -> src/a' "$SCRATCH/out" ||
    { cat "$SCRATCH/out" >&2; fail "the cycle is not named"; }
echo "ok: $(grep 'include cycle' "$SCRATCH/out")"

# A longer cycle through a subfolder, reached by a relative include and by
# the include path: src/fw/m.c -> src/c -> src/d -> src/fw/m.
T="$SCRATCH/sub"
fake "$T" src/fw/m.h '#pragma once'
fake "$T" src/fw/m.c '#include "m.h"
#include "../c.h"'
fake "$T" src/c.c '#include "d.h"'
fake "$T" src/c.h ''
fake "$T" src/d.c '#include "fw/m.h"'
fake "$T" src/d.h ''
rc=0
"$CHECK" "$T" >"$SCRATCH/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "a cycle through a subfolder exited $rc, expected 1"
grep -q 'include cycle: src/c -> src/d -> src/fw/m -> src/c' "$SCRATCH/out" ||
    { cat "$SCRATCH/out" >&2; fail "the subfolder cycle is not named"; }
echo "ok: $(grep 'include cycle' "$SCRATCH/out")"

# Layers (the default table): the core may not include from checks/, and
# a check may not include a live implementation (only the ops interface).
T="$SCRATCH/layer"
fake "$T" checks/cl.h ''
fake "$T" checks/cl.c '#include "cl.h"'
fake "$T" src/core/reg.c '#include "../../checks/cl.h"'
rc=0
"$CHECK" "$T" >"$SCRATCH/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "src/core including checks/ exited $rc, expected 1"
grep -q 'layer: src/core/reg.c includes checks/cl.h' "$SCRATCH/out" ||
    { cat "$SCRATCH/out" >&2; fail "the layer breach is not named"; }
echo "ok: $(grep 'layer:' "$SCRATCH/out")"

T="$SCRATCH/live"
fake "$T" src/live/virt.h ''
fake "$T" src/live/virt.c '#include "virt.h"'
fake "$T" checks/x.c '#include "../src/live/virt.h"'
rc=0
"$CHECK" "$T" >"$SCRATCH/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "checks/ including src/live exited $rc, expected 1"
grep -q 'layer: checks/x.c includes src/live/virt.h' "$SCRATCH/out" ||
    { cat "$SCRATCH/out" >&2; fail "the live breach is not named"; }
echo "ok: $(grep 'layer:' "$SCRATCH/out")"

# A table given by the caller: base may not include core.
fake "$T" src/reg.c ''
fake "$T" src/base/u.c '#include "../core/k.h"'
fake "$T" src/core/k.h ''
rc=0
MR_INCLUDE_LAYERS='
src/base  -
src/core  src/base
' "$CHECK" "$T" >"$SCRATCH/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "base including core exited $rc, expected 1"
grep -q 'layer: src/base/u.c includes src/core/k.h, but src/base may include only from src/base' \
    "$SCRATCH/out" || { cat "$SCRATCH/out" >&2; fail "the layer breach is not named"; }
echo "ok: $(grep 'layer:' "$SCRATCH/out")"
