#!/bin/sh
# Composites benchmark: `orrery vision lifestyle|group|poster|asset-set`
# against the closest ImageMagick `convert` command for the same picture, in
# the same run: wall time and peak RSS, the median of BENCH_RUNS runs each.
#
#   make orrery .build/rss && tests/bench/vision_compose.sh   (make bench-vision-compose)
#
# What each side does (inputs: the fixtures of tests/fixtures/vision):
#   lifestyle  orrery: the render's alpha as mask, trim, fit into the box of
#              the 1600x1200 scene, contact shadow, colour match, JPEG q90.
#              convert: -trim, -resize into the box, a blurred shadow
#              (-shadow), both composited at the box, JPEG q90 (no colour
#              match).
#   group      orrery: three cut-outs at one scale from their heights, one
#              ground shadow, 2000x2000 white, JPEG.  convert: each -trim,
#              -resize to its height, +append with gaps, -extent 2000x2000 on
#              white, JPEG (no shadow).
#   poster     orrery: the studio photo's backdrop removed (Lab model), fit,
#              headline wrapped, price, button with text, 1080x1350 JPEG.
#              convert: -fuzz 8% floodfill of the corner, -trim, -resize,
#              caption: headline, price, a rounded rectangle with its text.
#   asset-set  orrery: six presets and a zoom image from one decode.
#              convert: the amazon-main chain of tests/bench/vision.sh once per
#              output size (7 processes, each decoding the photo again).
# Knobs: BENCH_RUNS (3), ORRERY, CONVERT (/usr/bin/convert), RSS.
set -eu

say() { printf '%s\n' "$*" >&2; }
die() { say "vision_compose.sh: $*"; exit 1; }
cd "$(dirname "$0")/../.."

RUNS=${BENCH_RUNS:-3}
ORRERY=${ORRERY:-./orrery}
CONVERT=${CONVERT:-/usr/bin/convert}
RSS=${RSS:-.build/rss}
F=tests/fixtures/vision
for t in "$RSS" "$ORRERY"; do
	[ -x "$t" ] || die "$t not built (run: make orrery .build/rss)"
done
"$CONVERT" -version 2>/dev/null | grep -q ImageMagick || die "$CONVERT is not ImageMagick (apt-get install imagemagick)"

dir=$(mktemp -d "${TMPDIR:-/tmp}/orrery-bench-compose.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM

# measure NAME CMD...: RUNS runs; prints "NAME wall_median max_rss_median_MB"
measure() {
	name=$1
	shift
	: >"$dir/m"
	r=0
	while [ "$r" -lt "$RUNS" ]; do
		"$RSS" "$dir/m" -- "$@" >/dev/null 2>"$dir/err" || die "$name failed: $(cat "$dir/err")"
		r=$((r + 1))
	done
	wall=$(cut -d' ' -f1 "$dir/m" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
	rss=$(cut -d' ' -f2 "$dir/m" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1024}')
	printf '%s %s %s\n' "$name" "$wall" "$rss"
}

# the asset set's ImageMagick side: one chain per output size, as a script
# so that rss measures the whole set (its peak is the largest chain's)
cat >"$dir/im_set.sh" <<'EOF'
for s in 2000x2000 2048x2048 2500x2000 1600x1600 400x400 1080x1350 1600x1600; do
	w=${s%x*}
	h=${s#*x}
	"$CONVERT" "$F/luma-yoga-brick.jpg" -fuzz 8% -fill white -draw 'color 0,0 floodfill' -trim +repage \
		-resize "$((w * 85 / 100))x$((h * 85 / 100))" -background white -gravity center \
		-extent "$s" -interlace JPEG -quality 90 -strip "$dir/im-set-$s.jpg"
done
EOF
export CONVERT F dir

{
	measure "lifestyle orrery" "$ORRERY" vision lifestyle "$F/saleor-sunnies.png" --scene "$F/tabletop.jpg" \
		--box 560,360,480,540 --out "$dir/o-life.jpg"
	measure "lifestyle convert" "$CONVERT" "$F/tabletop.jpg" \
		\( "$F/saleor-sunnies.png" -trim +repage -resize 480x540 \( +clone -background black -shadow 50x12+0+20 \) \
		+swap -background none -layers merge +repage \) -geometry +560+360 -composite -quality 90 "$dir/c-life.jpg"
	measure "group orrery" "$ORRERY" vision group "$F/luma-yoga-brick.jpg" "$F/saleor-sunnies.png" \
		"$F/msh01-blue_main.jpg" --heights 8,5,40 --out "$dir/o-group.jpg"
	measure "group convert" "$CONVERT" \
		\( "$F/luma-yoga-brick.jpg" -fuzz 8% -fill white -draw 'color 0,0 floodfill' -trim +repage -resize x340 \) \
		\( -size 80x10 xc:white \) \
		\( "$F/saleor-sunnies.png" -trim +repage -resize x212 -background white -flatten \) \
		\( -size 80x10 xc:white \) \
		\( "$F/msh01-blue_main.jpg" -fuzz 8% -fill white -draw 'color 0,0 floodfill' -trim +repage -resize x1700 \) \
		-background white -gravity south +append -gravity center -extent 2000x2000 -quality 90 "$dir/c-group.jpg"
	measure "poster orrery" "$ORRERY" vision poster "$F/luma-yoga-brick.jpg" --headline "Luma yoga brick: firm, light, grippy" \
		--price "14.00 EUR" --out "$dir/o-poster.jpg"
	measure "poster convert" "$CONVERT" -size 1080x1350 xc:white \
		\( "$F/luma-yoga-brick.jpg" -fuzz 8% -fill white -draw 'color 0,0 floodfill' -trim +repage -resize 945x760 \) \
		-gravity north -geometry +0+67 -composite \
		\( -size 945x150 -background none -fill '#18181b' -font DejaVu-Sans-Bold -pointsize 60 -gravity center \
		caption:"Luma yoga brick: firm, light, grippy" \) -gravity north -geometry +0+860 -composite \
		-fill '#1d4ed8' -font DejaVu-Sans-Bold -pointsize 80 -gravity north -annotate +0+1030 "14.00 EUR" \
		-fill '#1d4ed8' -draw 'roundrectangle 380,1180 700,1260 20,20' \
		-fill white -pointsize 40 -gravity north -annotate +0+1197 "Shop now" -quality 90 "$dir/c-poster.jpg"
	measure "asset-set orrery" "$ORRERY" vision asset-set "$F/luma-yoga-brick.jpg" --out "$dir/o-set"
	measure "asset-set convert" sh "$dir/im_set.sh"
} >"$dir/results"

printf '| composite | orrery s | orrery peak MB | convert s | convert peak MB | orrery is faster by |\n'
printf '|---|---:|---:|---:|---:|---:|\n'
for c in lifestyle group poster asset-set; do
	o=$(grep "^$c orrery " "$dir/results")
	i=$(grep "^$c convert " "$dir/results")
	set -- $o
	ow=$3
	om=$4
	set -- $i
	iw=$3
	im=$4
	printf '| %s | %.2f | %.1f | %.2f | %.1f | %.1fx |\n' "$c" "$ow" "$om" "$iw" "$im" \
		"$(awk -v a="$iw" -v b="$ow" 'BEGIN {print a / b}')"
done
