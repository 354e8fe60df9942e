/* store_asset.c - the assets table for the vision subsystem. */
#include "store_asset.h"

#include "store_internal.h"

enum orr_rc asset_sources(struct store *st, int64_t product_id, json_t **out, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT id, uri, position, alt_text, variant_id FROM assets "
		"WHERE product_id = ?1 AND kind = 'source' ORDER BY position IS NULL, position, id",
		"cannot read the product's images", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, product_id);
	return store_rows_json(st, s, "cannot read the product's images", out, err);
}

enum orr_rc asset_record_produced(struct store *st, const struct asset_produced *a, int64_t *id,
				  char **err)
{
	/* RETURNING gives the id on insert and on update alike */
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT INTO assets (product_id, variant_id, kind, uri, alt_text, preset, width, "
		"height, bytes, checksum) VALUES (?1, ?2, 'produced', ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
		"ON CONFLICT (product_id, kind, uri) DO UPDATE SET variant_id = excluded.variant_id, "
		"alt_text = excluded.alt_text, preset = excluded.preset, width = excluded.width, "
		"height = excluded.height, bytes = excluded.bytes, checksum = excluded.checksum "
		"RETURNING id",
		"cannot record the produced image", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, a->product_id);
	store_bind_id_or_null(s, 2, a->variant_id);
	sqlite3_bind_text(s, 3, a->uri, -1, SQLITE_STATIC);
	store_bind_text_or_null(s, 4, a->alt_text);
	sqlite3_bind_text(s, 5, a->preset, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 6, a->width);
	sqlite3_bind_int(s, 7, a->height);
	sqlite3_bind_int64(s, 8, a->bytes);
	sqlite3_bind_text(s, 9, a->checksum, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && id)
		*id = sqlite3_column_int64(s, 0);
	if (rc == SQLITE_ROW)
		rc = sqlite3_step(s);
	if (rc != SQLITE_DONE) {
		*err = store_errmsg(st, "cannot record the produced image");
		sqlite3_reset(s);
		return store_rc(rc);
	}
	sqlite3_reset(s);
	return ORR_OK;
}

enum orr_rc asset_produced_list(struct store *st, int64_t product_id, long limit, json_t **out,
				char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT id, product_id, variant_id, preset, uri, width, height, bytes, checksum "
		"FROM assets WHERE kind = 'produced' AND (?1 = 0 OR product_id = ?1) "
		"ORDER BY id DESC LIMIT ?2",
		"cannot read the produced images", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, product_id);
	sqlite3_bind_int64(s, 2, limit > 0 ? limit : -1);
	return store_rows_json(st, s, "cannot read the produced images", out, err);
}
