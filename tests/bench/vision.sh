#!/bin/sh
# Vision benchmark (issue 7): 100 studio photos to the amazon-main preset
# (background to pure white, trim, fit at 85% of a 2000x2000 canvas, JPEG)
# with `orrery vision process --jobs 2`, against the same work as an
# ImageMagick `convert` chain and as a `vips` command-line chain, two images
# at a time each (xargs -P 2), in the same run: images per second and peak
# RSS.  Then every output is put through `orrery vision check`.
#
#   make orrery .build/rss && tests/bench/vision.sh      (or: make bench-vision)
#
# The photos are ../shared/data/images/studio (44, repeated to 100), else
# the 3 of tests/fixtures/images/vision.  Knobs: BENCH_IMAGES (100),
# BENCH_JOBS (2), STUDIO (the photo directory), ORRERY, CONVERT
# (/usr/bin/convert: ImageMagick itself, not a wrapper), VIPS, RSS.
#
# What each does:
#   orrery   cut-out by a Lab background model from the border, holes, clean-up,
#            feathered and de-spilled edge, relit against the white backdrop,
#            trim, Lanczos fit at 85%, unsharp mask, progressive JPEG q90 with
#            the sRGB profile
#   convert  -fuzz 8% floodfill of the corner colour to white, -trim, -resize
#            1700x1700, -extent 2000x2000 on white, progressive JPEG q90, -strip
#   vips     find_trim (threshold 20 against white), extract_area, thumbnail to
#            1700, gravity to 2000x2000 on white, progressive JPEG q90 (libvips'
#            CLI has no fuzzy flood fill, so the backdrop is not whitened)
#
# Peak RSS: orrery is one process (both threads); convert and vips are one
# process per image (per step for vips), two at a time, and the figure is the
# largest single process, so their footprint at any moment is about twice it.
set -eu

say() { printf '%s\n' "$*" >&2; }
die() { say "vision.sh: $*"; exit 1; }
cd "$(dirname "$0")/../.."

N=${BENCH_IMAGES:-100}
JOBS=${BENCH_JOBS:-2}
ORRERY=${ORRERY:-./orrery}
CONVERT=${CONVERT:-/usr/bin/convert}
VIPS=${VIPS:-vips}
RSS=${RSS:-.build/rss}
STUDIO=${STUDIO:-../shared/data/images/studio}
[ -d "$STUDIO" ] || STUDIO=tests/fixtures/images/vision

for t in "$RSS" "$ORRERY"; do
    [ -x "$t" ] || die "$t not built (run: make orrery .build/rss)"
done
"$CONVERT" -version 2>/dev/null | grep -q ImageMagick || die "$CONVERT is not ImageMagick (apt-get install imagemagick)"
command -v "$VIPS" >/dev/null 2>&1 || die "$VIPS not found (apt-get install libvips-tools)"

dir=$(mktemp -d "${TMPDIR:-/tmp}/orrery-bench-vision.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM
mkdir "$dir/in" "$dir/orrery" "$dir/convert" "$dir/vips"

# N inputs, distinct names (outputs are named after them), the photos repeated
i=0
while [ "$i" -lt "$N" ]; do
    for f in "$STUDIO"/*.jpg; do
        [ "$i" -lt "$N" ] || break
        i=$((i + 1))
        ln -s "$(cd "$(dirname "$f")" && pwd)/$(basename "$f")" "$dir/in/$(printf 'img%03d' "$i").jpg"
    done
done
say "$N photos from $STUDIO"

cat >"$dir/convert.sh" <<EOF
#!/bin/sh
exec "$CONVERT" "\$1" -fuzz 8% -fill white -draw "color 0,0 floodfill" -trim +repage \
    -resize 1700x1700 -background white -gravity center -extent 2000x2000 \
    -interlace JPEG -quality 90 -strip "$dir/convert/\$(basename "\$1")"
EOF
cat >"$dir/vips.sh" <<EOF
#!/bin/sh
set -e
t=\$(mktemp -d "$dir/vips.XXXXXX")
box=\$("$VIPS" find_trim "\$1" --threshold 20 --background "255 255 255")
set -- "\$1" \$box
"$VIPS" extract_area "\$1" "\$t/a.v" "\$2" "\$3" "\$4" "\$5"
"$VIPS" thumbnail "\$t/a.v" "\$t/b.v" 1700 --size both
"$VIPS" gravity "\$t/b.v" "\$t/c.v" centre 2000 2000 --extend background --background "255 255 255"
"$VIPS" jpegsave "\$t/c.v" "$dir/vips/\$(basename "\$1")" --Q 90 --interlace --strip
rm -rf "\$t"
EOF
chmod +x "$dir/convert.sh" "$dir/vips.sh"

run_tool() { # run_tool NAME CMD...
    name=$1
    shift
    say "$name ..."
    "$RSS" "$dir/$name.times" -- "$@" >/dev/null 2>"$dir/$name.err" ||
        die "$name failed: $(head -n 3 "$dir/$name.err")"
}
run_tool orrery "$ORRERY" vision process "$dir"/in/*.jpg --preset amazon-main --out "$dir/orrery" --jobs "$JOBS"
run_tool convert sh -c "ls '$dir'/in/*.jpg | xargs -P $JOBS -n 1 '$dir/convert.sh'"
run_tool vips sh -c "ls '$dir'/in/*.jpg | xargs -P $JOBS -n 1 '$dir/vips.sh'"

wall() { awk '{ printf "%.1f", $1 }' "$dir/$1.times"; }
peak() { awk '{ printf "%.0f", $2 / 1024 }' "$dir/$1.times"; }
ips() { awk -v n="$N" '{ printf "%.2f", n / $1 }' "$dir/$1.times"; }
# outputs that pass `orrery vision check --preset amazon-main`
passing() {
    "$ORRERY" vision check "$dir/$1"/*.jpg --preset amazon-main 2>/dev/null | grep -c ': PASS$' || true
}

o=$(wall orrery)
printf '%s studio photos to amazon-main (2000x2000 JPEG, white, 85%%), %s at a time, one run\n\n' "$N" "$JOBS"
printf '| tool | wall s | images/s | peak RSS MB | orrery faster by | outputs passing `vision check` |\n'
printf '|---|---:|---:|---:|---:|---:|\n'
for t in orrery convert vips; do
    printf '| %s | %s | %s | %s | %s | %s/%s |\n' "$t" "$(wall $t)" "$(ips $t)" "$(peak $t)" \
        "$(awk -v a="$(wall $t)" -v b="$o" 'BEGIN { printf "%.2fx", a / b }')" "$(passing $t)" "$N"
done
printf '\ngoal: at least 3x convert'"'"'s images/s at no more than half its peak RSS\n'
