# test_vision.sh - `orrery vision`: presets, process (with --jobs), check,
# mask, and every kind of bad image named in issue 7.  Fixtures:
# tests/fixtures/images/vision (see tests/fixtures/images/README.md).



# The size of an image, "WxH", read back through orrery itself (mask
# --format json reports the input's product box, check reports the size).
size_of() {
	run vision check "$1" --preset amazon-main --format json
	printf '%sx%s' "$(json_sql "$T/.out" "json_extract(j, '$.width')")" \
		"$(json_sql "$T/.out" "json_extract(j, '$.height')")"
}

# --- presets ----------------------------------------------------------------

test_presets_lists_the_six() {
	run vision presets
	assert_status 0
	for p in amazon-main shopify etsy ebay thumbnail social; do
		assert_out_contains "$p"
	done
	assert_out_contains "2000x2000"
	assert_out_contains "2500x2000"
	assert_out_contains "1080x1350"
}

test_presets_json() {
	run vision presets --format json
	assert_status 0
	assert_json_valid "$T/.out"
	assert_eq 6 "$(json_sql "$T/.out" "json_array_length(j)")" "presets"
	assert_eq "2048" "$(json_sql "$T/.out" "(SELECT json_extract(value, '$.width') FROM json_each(j) WHERE json_extract(value, '$.name') = 'shopify')")" "shopify width"
	assert_eq "webp" "$(json_sql "$T/.out" "(SELECT json_extract(value, '$.format') FROM json_each(j) WHERE json_extract(value, '$.name') = 'thumbnail')")" "thumbnail format"
}

test_help_and_unknown_subcommand() {
	run vision --help
	assert_status 0
	assert_out_contains "process FILE"
	run vision frobnicate
	assert_status 64
	assert_err_contains 'no subcommand "frobnicate"'
	run vision presets --preset amazon-main
	assert_status 64
	assert_err_contains "--preset does not apply"
}

# --- process and check --------------------------------------------------------

test_process_amazon_main_passes_check() {
	run vision process "$FIX/images/vision/luma-foam-roller.jpg" "$FIX/images/vision/msh01-black_main.jpg" --preset amazon-main --out "$T/out"
	assert_status 0
	assert_file_exists "$T/out/luma-foam-roller.jpg"
	assert_file_exists "$T/out/msh01-black_main.jpg"
	run vision check "$T/out/luma-foam-roller.jpg" "$T/out/msh01-black_main.jpg" --preset amazon-main
	assert_status 0
	assert_out_contains "100.00% of border pixels are exactly 255,255,255"
	assert_out_not_contains "FAIL"
	assert_eq 2000x2000 "$(size_of "$T/out/msh01-black_main.jpg")" "output size"
}

test_check_json_measures() {
	run vision process "$FIX/images/vision/luma-yoga-brick.jpg" --preset amazon-main --out "$T/out"
	assert_status 0
	run vision check "$T/out/luma-yoga-brick.jpg" --preset amazon-main --format json
	assert_status 0
	assert_json_valid "$T/.out"
	assert_eq 1 "$(json_sql "$T/.out" "json_extract(j, '$.pass')")" "pass"
	assert_eq 1 "$(json_sql "$T/.out" "json_extract(j, '$.border_white') = 1.0")" "border all white"
	assert_eq 1 "$(json_sql "$T/.out" "abs(json_extract(j, '$.occupancy') / 0.85 - 1) <= 0.02")" "occupancy within 2% of 85%"
	assert_eq jpeg "$(json_sql "$T/.out" "json_extract(j, '$.format')")" "format"
}

test_check_fails_an_unprocessed_photo() {
	# the studio photo as shot: 1000x1000, not the preset's canvas
	run vision check "$FIX/images/vision/luma-foam-roller.jpg" --preset amazon-main
	assert_status 1
	assert_out_contains "FAIL"
	assert_out_contains "size       FAIL"
}

test_check_fails_wrong_format() {
	run vision process "$FIX/images/vision/luma-yoga-brick.jpg" --preset amazon-main --out "$T/out"
	run vision check "$T/out/luma-yoga-brick.jpg" --preset thumbnail --format json
	assert_status 1
	assert_eq 0 "$(json_sql "$T/.out" "(SELECT json_extract(value, '$.pass') FROM json_each(json_extract(j, '$.rules')) WHERE json_extract(value, '$.rule') = 'format')")" "format rule"
}

test_every_preset_writes_its_canvas() {
	for p in shopify etsy ebay thumbnail social; do
		run vision process "$FIX/images/vision/luma-yoga-brick.jpg" --preset $p --out "$T/$p"
		assert_status 0
	done
	assert_eq 2048x2048 "$(size_of "$T/shopify/luma-yoga-brick.jpg")" shopify
	assert_eq 2500x2000 "$(size_of "$T/etsy/luma-yoga-brick.jpg")" etsy
	assert_eq 1600x1600 "$(size_of "$T/ebay/luma-yoga-brick.jpg")" ebay
	assert_eq 400x400 "$(size_of "$T/thumbnail/luma-yoga-brick.webp")" thumbnail
	assert_eq 1080x1350 "$(size_of "$T/social/luma-yoga-brick.jpg")" social
	for p in shopify etsy ebay social; do
		run vision check "$T/$p/luma-yoga-brick.jpg" --preset $p
		assert_status 0
	done
	run vision check "$T/thumbnail/luma-yoga-brick.webp" --preset thumbnail
	assert_status 0
}

test_jobs_two_same_bytes_as_one() {
	run vision process "$FIX/images/vision/luma-foam-roller.jpg" "$FIX/images/vision/luma-yoga-brick.jpg" "$FIX/images/vision/msh01-black_main.jpg" \
		--preset ebay --out "$T/one"
	assert_status 0
	run vision process "$FIX/images/vision/luma-foam-roller.jpg" "$FIX/images/vision/luma-yoga-brick.jpg" "$FIX/images/vision/msh01-black_main.jpg" \
		--preset ebay --out "$T/two" --jobs 2
	assert_status 0
	for f in luma-foam-roller luma-yoga-brick msh01-black_main; do
		cmp -s "$T/one/$f.jpg" "$T/two/$f.jpg" || fail "$f.jpg differs between --jobs 1 and --jobs 2"
	done
}

test_process_json_report() {
	run vision process "$FIX/images/vision/luma-yoga-brick.jpg" "$FIX/images/text.jpg" --preset ebay --out "$T/out" --format json
	assert_status 65
	assert_json_valid "$T/.out"
	assert_eq 2 "$(json_sql "$T/.out" "json_array_length(j)")" "items"
	assert_eq 1 "$(json_sql "$T/.out" "json_extract(j, '\$[0].ok')")" "first ok"
	assert_eq 0 "$(json_sql "$T/.out" "json_extract(j, '\$[1].ok')")" "second failed"
	assert_eq 1600 "$(json_sql "$T/.out" "json_extract(j, '\$[0].width')")" "width"
}

test_process_usage_errors() {
	run vision process "$FIX/images/vision/luma-yoga-brick.jpg" --out "$T/out"
	assert_status 64
	assert_err_contains "--preset NAME is required"
	run vision process "$FIX/images/vision/luma-yoga-brick.jpg" --preset amazon-main
	assert_status 64
	assert_err_contains "--out DIR is required"
	run vision process "$FIX/images/vision/luma-yoga-brick.jpg" --preset nope --out "$T/out"
	assert_status 64
	assert_err_contains 'no preset "nope"'
	assert_err_contains "amazon-main"
	run vision process "$FIX/images/vision/luma-yoga-brick.jpg" --preset ebay --out "$T/out" --jobs 0
	assert_status 64
	run vision process --preset ebay --out "$T/out"
	assert_status 64
}

test_same_output_name_is_refused_not_overwritten() {
	mkdir -p "$T/a" "$T/b"
	cp "$FIX/images/vision/luma-yoga-brick.jpg" "$T/a/x.jpg"
	cp "$FIX/images/vision/luma-foam-roller.jpg" "$T/b/x.jpg"
	run vision process "$T/a/x.jpg" "$T/b/x.jpg" --preset ebay --out "$T/out"
	assert_status 65
	assert_err_contains "$T/b/x.jpg: its output $T/out/x.jpg would overwrite that of $T/a/x.jpg"
	assert_file_exists "$T/out/x.jpg"
}

# --- preset files --------------------------------------------------------------

test_preset_file() {
	cat >"$T/square.json" <<-'EOF'
	{ "name": "square", "canvas": { "width": 300, "height": 300, "background": [250, 250, 250] },
	  "steps": [ { "step": "cutout" }, { "step": "fit", "occupancy": 0.5 },
	             { "step": "encode", "format": "png" } ] }
	EOF
	run vision process "$FIX/images/vision/luma-yoga-brick.jpg" --preset "$T/square.json" --out "$T/out"
	assert_status 0
	assert_file_exists "$T/out/luma-yoga-brick.png"
	run vision check "$T/out/luma-yoga-brick.png" --preset "$T/square.json" --format json
	assert_status 0
	assert_eq 300x300 "$(json_sql "$T/.out" "json_extract(j, '$.width') || 'x' || json_extract(j, '$.height')")" size
}

test_bad_preset_files_are_named() {
	printf '{ "name": "x", "canvas": {"width": 100, "height": 100},\n  "steps": [ {"step": "blur"} ] }\n' >"$T/unknown.json"
	run vision process "$FIX/images/vision/luma-yoga-brick.jpg" --preset "$T/unknown.json" --out "$T/out"
	assert_status 65
	assert_err_contains "$T/unknown.json: steps[0]: unknown step \"blur\""
	printf '{ "name": "x", "canvas": {"width": 100, "height": 100},\n  "steps": [ {"step": "encode", "format": "jpeg"}, {"step": "fit", "occupancy": 0.8} ] }\n' >"$T/order.json"
	run vision process "$FIX/images/vision/luma-yoga-brick.jpg" --preset "$T/order.json" --out "$T/out"
	assert_status 65
	assert_err_contains "encode must be the last step"
	printf '{ "name": "x", "canvas": {"width": 100 }' >"$T/syntax.json"
	run vision process "$FIX/images/vision/luma-yoga-brick.jpg" --preset "$T/syntax.json" --out "$T/out"
	assert_status 65
	assert_err_contains "$T/syntax.json:1:"
	printf '{ "name": "x", "canvas": {"width": 100, "height": 100},\n  "steps": [ {"step": "fit", "occupancy": 2}, {"step": "encode", "format": "jpeg"} ] }\n' >"$T/range.json"
	run vision process "$FIX/images/vision/luma-yoga-brick.jpg" --preset "$T/range.json" --out "$T/out"
	assert_status 65
	assert_err_contains "occupancy"
	run vision process "$FIX/images/vision/luma-yoga-brick.jpg" --preset "$T/missing.json" --out "$T/out"
	assert_status 66
	assert_no_file "$T/out/luma-yoga-brick.jpg"
}

# --- mask -------------------------------------------------------------------------

test_mask_writes_grey_png() {
	run vision mask "$FIX/images/vision/luma-yoga-brick.jpg" --out "$T/m.png" --format json
	assert_status 0
	assert_file_exists "$T/m.png"
	assert_eq 0 "$(json_sql "$T/.out" "json_extract(j, '$.from_alpha')")" "computed from colour"
	run vision mask "$FIX/images/vision/grey-alpha.png" --out "$T/a.png" --format json
	assert_status 0
	assert_eq 1 "$(json_sql "$T/.out" "json_extract(j, '$.from_alpha')")" "the alpha channel is the mask"
	run vision mask "$FIX/images/vision/luma-yoga-brick.jpg"
	assert_status 64
}

# --- inputs of every kind ----------------------------------------------------------

test_colour_spaces_and_depths_are_handled() {
	run vision process "$FIX/images/vision/cmyk.jpg" "$FIX/images/vision/rgb16.png" "$FIX/images/vision/palette.png" "$FIX/images/vision/grey-alpha.png" "$FIX/images/vision/exif-rotated.jpg" \
		--preset thumbnail --out "$T/out"
	assert_status 0
	for f in cmyk rgb16 palette grey-alpha exif-rotated; do
		assert_file_exists "$T/out/$f.webp"
		run vision check "$T/out/$f.webp" --preset thumbnail
		assert_status 0
	done
}

test_exif_orientation_is_applied() {
	# 400x200 stored, orientation 6: upright it is 200 wide, 400 high, so the
	# product box is taller than wide
	run vision mask "$FIX/images/vision/exif-rotated.jpg" --out "$T/m.png" --format json
	assert_status 0
	assert_eq 1 "$(json_sql "$T/.out" "json_extract(j, '$.box.height') > json_extract(j, '$.box.width')")" "upright"
}

# --- bad input ------------------------------------------------------------------

# Each bad file fails with its name and reason, writes nothing, and the
# good file of the same batch is still written.
bad_in_batch() { # bad_in_batch FILE REASON STATUS
	run vision process "$FIX/images/vision/luma-yoga-brick.jpg" "$1" --preset ebay --out "$T/out"
	assert_status "$3"
	assert_err_contains "$1: "
	assert_err_contains "$2"
	assert_err_contains "1 of 2 images failed"
	assert_file_exists "$T/out/luma-yoga-brick.jpg"
	name=$(basename "$1")
	assert_no_file "$T/out/${name%.*}.jpg"
	ls "$T/out" | grep -q tmp && fail "a temporary file was left in the output directory"
	return 0
}

test_bad_corrupt_jpeg() { bad_in_batch "$FIX/images/corrupt.jpg" "" 65; }
test_bad_truncated_jpeg() { bad_in_batch "$FIX/images/vision/truncated.jpg" "" 65; }
test_bad_truncated_png_header() { bad_in_batch "$FIX/images/truncated.png" "" 65; }
test_bad_truncated_png_data() { bad_in_batch "$FIX/images/vision/truncated-data.png" "" 65; }
test_bad_zero_bytes() { bad_in_batch "$FIX/images/empty.png" "empty file (0 bytes)" 65; }
test_bad_text_named_jpg() { bad_in_batch "$FIX/images/text.jpg" "not an image" 65; }
test_bad_missing_file() { bad_in_batch "$T/nowhere.jpg" "cannot open" 66; }
test_bad_directory() { mkdir "$T/dir.jpg"; bad_in_batch "$T/dir.jpg" "is a directory" 65; }

test_bad_huge_header_refused_before_decoding() {
	bad_in_batch "$FIX/images/vision/huge-50000x50000.png" "50000x50000 pixels is over the limit of 100 megapixels" 65
	# bounded memory: under ulimit -v 1 GB (50000x50000 RGB would be 7.5 GB);
	# not under AddressSanitizer, which reserves terabytes of shadow memory
	grep -qa __asan_init "$ORRERY" && return 0
	( ulimit -v 1048576 && "$ORRERY" vision process "$FIX/images/vision/huge-50000x50000.png" --preset ebay --out "$T/o2" ) \
		>/dev/null 2>"$T/huge.err"
	assert_eq 65 "$?" "status under a 1 GB address-space limit"
	grep -q "over the limit" "$T/huge.err" || fail "no limit message under ulimit"
}

test_bad_check_input() {
	run vision check "$FIX/images/text.jpg" --preset amazon-main
	assert_status 65
	assert_err_contains "$FIX/images/text.jpg: not an image"
	run vision check "$T/nowhere.jpg" --preset amazon-main
	assert_status 66
}

test_bad_output_directory() {
	: >"$T/file"
	run vision process "$FIX/images/vision/luma-yoga-brick.jpg" --preset ebay --out "$T/file"
	assert_status 64
	assert_err_contains "is not a directory"
}

test_avif_where_libvips_has_it() {
	vips -l 2>/dev/null | grep -q heifsave || skip "this libvips has no heifsave"
	cat >"$T/avif.json" <<-'EOF2'
	{ "name": "avif", "canvas": { "width": 400, "height": 400 },
	  "steps": [ { "step": "cutout" }, { "step": "fit", "occupancy": 0.8 },
	             { "step": "encode", "format": "avif", "quality": 60 } ] }
	EOF2
	run vision process "$FIX/images/vision/luma-yoga-brick.jpg" --preset "$T/avif.json" --out "$T/out"
	assert_status 0
	run vision check "$T/out/luma-yoga-brick.avif" --preset "$T/avif.json" --format json
	assert_status 0
	assert_eq avif "$(json_sql "$T/.out" "json_extract(j, '$.format')")" "format"
}
