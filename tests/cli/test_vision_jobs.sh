# test_vision_jobs.sh - the vision subsystem from outside: its job kinds
# run by `orrery run`, the assets rows and asset.ready events they write,
# the routing rules (new products, apparel, accessories, audit findings of
# small images, failed compliance), bad input failing a job as permanent,
# and the composites of `orrery vision ghost|lifestyle|group|poster|asset-set`.


run_idle() {
	run --db "$DB" run --until-idle --max-seconds 300 --lease-seconds 600 "$@"
	[ "$STATUS" -eq 0 ] || fail "run --until-idle exited $STATUS; stderr: $(head -c 600 "$T/.err")"
}

enqueue_ok() {
	run --db "$DB" jobs enqueue "$@"
	[ "$STATUS" -eq 0 ] || fail "jobs enqueue $* exited $STATUS; stderr: $ERR"
}

# products.jsonl: one product per line "key|category|photos|height_cm|image path".
write_products() {
	: >"$T/products.jsonl"
	for spec in "$@"; do
		IFS='|' read -r key cat photos height path <<EOF
$spec
EOF
		printf '{"table": "products", "key": "%s", "title": "Product %s", "category": "%s", "photos": %s, "height_cm": %s}\n' \
			"$key" "$key" "$cat" "$photos" "$height" >>"$T/products.jsonl"
		[ -n "$path" ] && printf '{"table": "assets", "product_key": "%s", "kind": "source", "uri": "%s", "position": 1}\n' \
			"$key" "$path" >>"$T/products.jsonl"
	done
	ingest_ok "$T/products.jsonl"
}

pid_of() {
	sql "SELECT id FROM products WHERE key = '$1'"
}

# The file of every produced asset exists with the recorded size.
assert_files_match_rows() {
	sql "SELECT uri || '|' || bytes || '|' || width || 'x' || height FROM assets WHERE kind = 'produced'" >"$T/produced"
	while IFS='|' read -r uri bytes dims; do
		[ -f "$uri" ] || fail "produced asset $uri does not exist"
		size=$(wc -c <"$uri" | tr -d ' ')
		assert_eq "$bytes" "$size" "bytes of $uri"
	done <"$T/produced"
}

# --- the subsystem ----------------------------------------------------------------

test_subsystem_declares_six_job_kinds() {
	init_db
	run --db "$DB" subsystems --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/s.json"
	kinds=$(json_sql "$T/s.json" "(SELECT group_concat(json_extract(k.value, '\$.name'), ' ') FROM json_each(j, '\$.subsystems') s, json_each(s.value, '\$.job_kinds') k WHERE json_extract(s.value, '\$.name') = 'vision')")
	for k in vision.marketplace vision.asset_set vision.ghost_mannequin vision.lifestyle vision.group vision.poster; do
		case " $kinds " in *" $k "*) ;; *) fail "kind $k missing from: $kinds" ;; esac
	done
}

test_new_product_with_image_gets_an_asset_set() {
	init_db
	write_products "brick|Fitness|1|8|$FIX/vision/luma-yoga-brick.jpg"
	run_idle
	assert_sql "SELECT kind, state FROM jobs WHERE kind LIKE 'vision.%'" "vision.asset_set|succeeded"
	assert_sql "SELECT group_concat(preset, ' ') FROM (SELECT preset FROM assets WHERE kind = 'produced' ORDER BY preset)" \
		"amazon-main ebay etsy shopify social thumbnail zoom"
	assert_sql "SELECT group_concat(width || 'x' || height, ' ') FROM (SELECT width, height FROM assets WHERE kind = 'produced' ORDER BY preset)" \
		"2000x2000 1600x1600 2500x2000 2048x2048 1080x1350 400x400 1600x1600"
	assert_sql "SELECT count(*) FROM assets WHERE kind = 'produced' AND checksum GLOB '[0-9a-f]*' AND length(checksum) = 16" 7
	assert_files_match_rows
	# one asset.ready per file, about the product, naming its asset row
	assert_sql "SELECT count(*) FROM events e JOIN assets a ON a.id = json_extract(e.payload, '\$.asset_id') AND a.uri = json_extract(e.payload, '\$.uri') WHERE e.type = 'asset.ready' AND e.entity = 'product' AND e.entity_id = $(pid_of brick)" 7
	# files go to assets/<product id>/ beside the database
	assert_file_exists "$T/assets/$(pid_of brick)/amazon-main.jpg"
	assert_file_exists "$T/assets/$(pid_of brick)/thumbnail.webp"
	# the amazon-main output passes its own compliance check
	run vision check "$T/assets/$(pid_of brick)/amazon-main.jpg" --preset amazon-main
	assert_status 0
}

test_rerun_updates_rows_instead_of_adding() {
	init_db
	write_products "brick|Fitness|1|8|$FIX/vision/luma-yoga-brick.jpg"
	run_idle
	pid=$(pid_of brick)
	enqueue_ok vision.marketplace --args "{\"product_id\": $pid, \"preset\": \"amazon-main\"}"
	run_idle
	assert_sql "SELECT count(*) FROM assets WHERE kind = 'produced' AND preset = 'amazon-main'" 1
	assert_sql "SELECT count(*) FROM events WHERE type = 'asset.ready' AND json_extract(payload, '\$.preset') = 'amazon-main'" 2
}

test_products_without_local_images_queue_no_asset_set() {
	init_db
	ingest_ok "$FIX/shopify/apparel.csv"
	run_idle
	# their images are URLs: the rule's product.local_images is 0
	assert_sql "SELECT count(*) FROM jobs WHERE kind = 'vision.asset_set'" 0
	assert_sql "SELECT count(*) FROM firings WHERE rule = 'vision-asset-set' AND outcome = 'fired'" 0
	# asked for by hand, the job finishes with nothing to do instead of dying
	pid=$(sql "SELECT min(product_id) FROM assets WHERE kind = 'source'")
	enqueue_ok vision.asset_set --args "{\"product_id\": $pid}"
	run_idle
	assert_sql "SELECT count(*) FROM jobs WHERE kind LIKE 'vision.%' AND state != 'succeeded'" 0
	assert_sql "SELECT count(*) FROM assets WHERE kind = 'produced'" 0
	run --db "$DB" jobs show "$(sql "SELECT min(id) FROM jobs WHERE kind = 'vision.asset_set'")" --format json
	assert_out_contains "does not fetch images"
}

test_declared_zero_photos_gets_no_job() {
	init_db
	write_products "none|Fitness|0|8|"
	run_idle
	assert_sql "SELECT count(*) FROM jobs WHERE kind LIKE 'vision.%'" 0
}

test_apparel_gets_a_ghost_mannequin_and_accessories_a_lifestyle() {
	init_db
	mkdir -p "$T/scenes"
	cp "$FIX/vision/tabletop.jpg" "$T/scenes/lifestyle.jpg"
	# 0 photos declared: no asset sets, only the category's composite
	write_products "shorts|Apparel|0|40|$FIX/vision/msh01-blue_main.jpg" "sunnies|accessories|0|5|$FIX/vision/saleor-sunnies.png"
	run_idle
	assert_sql "SELECT group_concat(kind || '=' || state, ' ') FROM jobs WHERE entity_id = $(pid_of shorts) AND kind LIKE 'vision.%'" \
		"vision.ghost_mannequin=succeeded"
	assert_sql "SELECT group_concat(kind || '=' || state, ' ') FROM jobs WHERE entity_id = $(pid_of sunnies) AND kind LIKE 'vision.%'" \
		"vision.lifestyle=succeeded"
	assert_sql "SELECT width || 'x' || height FROM assets WHERE preset = 'ghost-mannequin'" "2000x2000"
	assert_sql "SELECT width || 'x' || height FROM assets WHERE preset = 'lifestyle'" "1600x1200"
	assert_files_match_rows
}

test_lifestyle_without_its_scene_fails_permanently_naming_it() {
	init_db
	write_products "sunnies|jewellery|1|5|$FIX/vision/saleor-sunnies.png"
	run_idle
	assert_sql "SELECT state, attempts FROM jobs WHERE kind = 'vision.lifestyle'" "dead|1"
	err=$(sql "SELECT last_error FROM jobs WHERE kind = 'vision.lifestyle'")
	case $err in *scenes/lifestyle.jpg*) ;; *) fail "error does not name the scene: $err" ;; esac
	# the fallback: a task for a person
	assert_sql "SELECT count(*) FROM tasks WHERE job_id = (SELECT id FROM jobs WHERE kind = 'vision.lifestyle')" 1
}

# --- bad input -----------------------------------------------------------------------

test_bad_images_fail_permanently_with_the_reason() {
	init_db
	: >"$T/zero.jpg"
	write_products "corrupt|x|1|1|$FIX/images/corrupt.jpg" "truncated|x|1|1|$FIX/images/truncated.png" \
		"text|x|1|1|$FIX/images/text.jpg" "zero|x|1|1|$T/zero.jpg" "bomb|x|1|1|$FIX/images/huge-20000x20000.png" \
		"missing|x|1|1|$T/nowhere.jpg" "good|x|1|8|$FIX/vision/luma-yoga-brick.jpg"
	run_idle
	for k in corrupt truncated text zero bomb missing; do
		id=$(pid_of $k)
		assert_sql "SELECT state, attempts FROM jobs WHERE kind = 'vision.asset_set' AND entity_id = $id" "dead|1"
		err=$(sql "SELECT last_error FROM jobs WHERE kind = 'vision.asset_set' AND entity_id = $id")
		case $err in *"$(sql "SELECT uri FROM assets WHERE product_id = $id")"*) ;;
			*) fail "$k: the error does not name the file: $err" ;; esac
		assert_sql "SELECT count(*) FROM assets WHERE product_id = $id AND kind = 'produced'" 0
	done
	# the rest of the batch went on
	assert_sql "SELECT state FROM jobs WHERE kind = 'vision.asset_set' AND entity_id = $(pid_of good)" "succeeded"
	assert_sql "SELECT count(*) FROM assets WHERE product_id = $(pid_of good) AND kind = 'produced'" 7
	# nothing half-written beside the database
	[ -z "$(find "$T/assets" -name '*.tmp*' 2>/dev/null)" ] || fail "temporary files left: $(find "$T/assets" -name '*.tmp*')"
}

test_bad_job_arguments_are_permanent() {
	init_db
	enqueue_ok vision.poster --args '{"product_id": 999}'
	enqueue_ok vision.group --args '{"product_ids": [1]}'
	enqueue_ok vision.marketplace --args '{"asset_id": 12345}'
	enqueue_ok vision.marketplace --args '{"product_id": 1, "preset": "no-such-preset"}'
	run_idle
	assert_sql "SELECT group_concat(state || ':' || attempts, ' ') FROM jobs WHERE kind LIKE 'vision.%'" \
		"dead:1 dead:1 dead:1 dead:1"
	assert_sql "SELECT count(*) FROM jobs WHERE last_error LIKE '%product 999 does not exist%'" 1
	assert_sql "SELECT count(*) FROM jobs WHERE last_error LIKE '%2 to 12 product ids%'" 1
	assert_sql "SELECT count(*) FROM jobs WHERE last_error LIKE '%asset 12345 does not exist%'" 1
}

# --- jobs enqueued by hand -----------------------------------------------------------------

test_group_and_poster_jobs() {
	init_db
	write_products "brick|Fitness|0|8|$FIX/vision/luma-yoga-brick.jpg" "sunnies|Fitness|0|5|$FIX/vision/saleor-sunnies.png"
	enqueue_ok vision.group --args "{\"product_ids\": [$(pid_of brick), $(pid_of sunnies)]}"
	enqueue_ok vision.poster --args "{\"product_id\": $(pid_of brick), \"headline\": \"Firm, light, grippy\", \"price\": \"14.00 EUR\"}"
	run_idle
	assert_sql "SELECT count(*) FROM jobs WHERE kind IN ('vision.group', 'vision.poster') AND state = 'succeeded'" 2
	# the group shot is one file, an asset of each product
	assert_sql "SELECT count(*), count(DISTINCT uri), count(DISTINCT product_id) FROM assets WHERE preset = 'group' AND uri LIKE '%/groups/group-%'" "2|1|2"
	assert_sql "SELECT width || 'x' || height FROM assets WHERE preset = 'poster'" "1080x1350"
	assert_sql "SELECT count(*) FROM events WHERE type = 'asset.ready'" 3
	assert_files_match_rows
}

# --- audit finding -> approval -> fix ---------------------------------------------------------

test_small_image_finding_queues_the_fix_after_approval() {
	init_db
	run vision process "$FIX/vision/luma-yoga-brick.jpg" --preset thumbnail --out "$T/small"
	assert_status 0
	small=$(ls "$T"/small/*)
	write_products "small|Fitness|0|8|$small"
	run_idle
	assert_sql "SELECT count(*) FROM audit_findings WHERE check_name = 'image_below_minimum' AND failing = 1" 1
	assert_sql "SELECT state, rule, json_extract(action, '\$.kind') FROM approvals" "pending|vision-fix-small-images|vision.marketplace"
	assert_sql "SELECT count(*) FROM assets WHERE kind = 'produced'" 0
	run --db "$DB" approvals approve "$(sql "SELECT id FROM approvals")"
	assert_status 0
	run_idle
	aid=$(sql "SELECT id FROM assets WHERE kind = 'source'")
	assert_sql "SELECT preset, width || 'x' || height FROM assets WHERE kind = 'produced'" "amazon-main|2000x2000"
	assert_sql "SELECT count(*) FROM assets WHERE kind = 'produced' AND uri LIKE '%/amazon-main-asset$aid.jpg'" 1
	assert_files_match_rows
}

test_failed_compliance_emits_and_queues_an_approved_fix() {
	init_db
	write_products "brick|Fitness|0|8|$FIX/vision/luma-yoga-brick.jpg"
	# a preset whose own check cannot pass: an 800 px canvas, 1000 px asked
	cat >"$T/strict.json" <<'JSON'
{ "name": "strict", "summary": "800 px, checked for 1000",
  "canvas": { "width": 800, "height": 800, "background": "#ffffff" },
  "steps": [ { "step": "cutout" }, { "step": "fit", "occupancy": 0.85 },
             { "step": "encode", "format": "jpeg", "quality": 90 } ],
  "check": { "min_long_side": 1000 } }
JSON
	enqueue_ok vision.marketplace --args "{\"product_id\": $(pid_of brick), \"preset\": \"$T/strict.json\"}"
	run_idle
	assert_sql "SELECT state FROM jobs WHERE kind = 'vision.marketplace'" "succeeded"
	assert_sql "SELECT count(*) FROM events WHERE type = 'asset.check_failed' AND json_extract(payload, '\$.preset') = 'strict' AND payload LIKE '%long_side%'" 1
	assert_sql "SELECT state, rule, json_extract(action, '\$.args.preset') FROM approvals" "pending|vision-fix-compliance|$T/strict.json"
	# the produced file is recorded all the same: it exists, it is just not compliant
	assert_sql "SELECT preset, width FROM assets WHERE kind = 'produced'" "strict|800"
}

# --- the composites from the command line ------------------------------------------------------

test_cli_composites_write_their_files() {
	run vision poster "$FIX/vision/luma-yoga-brick.jpg" --headline "Firm, light, grippy" --price "14.00 EUR" --out "$T/p.jpg" --format json
	assert_status 0
	printf '%s\n' "$OUT" >"$T/p.json"
	assert_eq "1080|1350" "$(json_sql "$T/p.json" "json_extract(j, '\$.width') || '|' || json_extract(j, '\$.height')")"
	assert_file_exists "$T/p.jpg"
	run vision lifestyle "$FIX/vision/saleor-sunnies.png" --scene "$FIX/vision/tabletop.jpg" --box 600,400,400,500 --out "$T/l.webp"
	assert_status 0
	assert_out_contains "1600x1200"
	run vision group "$FIX/vision/luma-yoga-brick.jpg" "$FIX/vision/saleor-sunnies.png" --heights 8,5 --out "$T/g.png"
	assert_status 0
	assert_out_contains "2000x2000"
	run vision ghost "$FIX/vision/msh01-blue_main.jpg" --mannequin 3c3c3c --out "$T/gh.jpg"
	assert_status 0
	run vision asset-set "$FIX/vision/luma-yoga-brick.jpg" --out "$T/set" --format json
	assert_status 0
	assert_eq 7 "$(ls "$T/set" | wc -l | tr -d ' ')" "files in the asset set"
	# the set shares one cut-out between presets, yet makes the very bytes
	# `vision process` makes for each
	for p in amazon-main thumbnail; do
		mkdir -p "$T/proc-$p"
		run vision process "$FIX/vision/luma-yoga-brick.jpg" --preset $p --out "$T/proc-$p"
		assert_status 0
		f=$(ls "$T/proc-$p"/*)
		cmp -s "$f" "$T/set/$p.${f##*.}" || fail "the asset set's $p differs from vision process's"
	done
}

test_cli_composites_usage_and_bad_input() {
	run vision poster "$FIX/vision/luma-yoga-brick.jpg" --out "$T/p.jpg"
	assert_status 64
	assert_err_contains "--headline"
	run vision lifestyle "$FIX/vision/saleor-sunnies.png" --scene "$FIX/vision/tabletop.jpg" --box 1,2,3 --out "$T/l.jpg"
	assert_status 64
	run vision lifestyle "$FIX/vision/saleor-sunnies.png" --scene "$FIX/vision/tabletop.jpg" --box 1500,1000,400,400 --out "$T/l.jpg"
	assert_status 64
	assert_err_contains "not inside the 1600x1200 scene"
	run vision group "$FIX/vision/luma-yoga-brick.jpg" --out "$T/g.jpg"
	assert_status 64
	run vision group "$FIX/vision/luma-yoga-brick.jpg" "$FIX/vision/saleor-sunnies.png" --heights 8 --out "$T/g.jpg"
	assert_status 64
	run vision ghost "$FIX/vision/msh01-blue_main.jpg" --out "$T/gh.jpg"
	assert_status 64
	assert_err_contains "--mannequin"
	run vision poster "$FIX/vision/luma-yoga-brick.jpg" --headline x --out "$T/p.gif"
	assert_status 64
	run vision ghost "$FIX/images/corrupt.jpg" --mannequin 3c3c3c --out "$T/gh.jpg"
	assert_status 65
	assert_err_contains "corrupt.jpg"
	assert_no_file "$T/gh.jpg"
	run vision poster "$T/nowhere.jpg" --headline x --out "$T/p.jpg"
	assert_status 66
	assert_err_contains "nowhere.jpg"
	assert_no_file "$T/p.jpg"
	run vision lifestyle "$FIX/vision/saleor-sunnies.png" --scene "$FIX/images/huge-20000x20000.jpg" --box 1,1,10,10 --out "$T/l.jpg"
	assert_status 65
	assert_err_contains "huge-20000x20000.jpg"
	run vision poster --help
	assert_status 0
}
