/* store_po.c - supplier terms, purchase orders and marketing signals. */
#include "store_po.h"

#include <string.h>

#include "store_internal.h"
#include "xalloc.h"

static void copy_text(char *dst, size_t size, const unsigned char *src)
{
	snprintf(dst, size, "%s", src ? (const char *)src : "");
}

enum orr_rc po_terms_put(struct store *st, const struct po_terms *t, int64_t now, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT OR REPLACE INTO supplier_terms (variant_id, supplier_id, unit_cost_minor, "
		"currency, min_order, pack_size, lead_time_days, lead_time_sd_days, delivery, "
		"updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
		"cannot store supplier terms", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, t->variant_id);
	sqlite3_bind_int64(s, 2, t->supplier_id);
	sqlite3_bind_int64(s, 3, t->unit_cost_minor);
	sqlite3_bind_text(s, 4, t->currency, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, t->min_order);
	sqlite3_bind_int64(s, 6, t->pack_size);
	sqlite3_bind_double(s, 7, t->lead_time_days);
	if (t->lead_time_sd_days >= 0)
		sqlite3_bind_double(s, 8, t->lead_time_sd_days);
	else
		sqlite3_bind_null(s, 8);
	sqlite3_bind_text(s, 9, t->delivery, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 10, now);
	return store_step_done(st, s, "cannot store supplier terms", err);
}

enum orr_rc po_terms_get(struct store *st, int64_t variant_id, struct po_terms *out,
			 char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT t.supplier_id, t.unit_cost_minor, t.currency, t.min_order, t.pack_size, "
		"t.lead_time_days, t.lead_time_sd_days, t.delivery, s.key, s.name "
		"FROM supplier_terms t JOIN suppliers s ON s.id = t.supplier_id "
		"WHERE t.variant_id = ?1", "cannot read supplier terms", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, variant_id);
	int r = sqlite3_step(s);
	if (r != SQLITE_ROW) {
		enum orr_rc rc = r == SQLITE_DONE ? ORR_NOINPUT : store_rc(r);
		*err = r == SQLITE_DONE
			       ? xasprintf("variant %lld has no supplier terms (load them with "
					   "`orrery supplier terms FILE`)", (long long)variant_id)
			       : store_errmsg(st, "cannot read supplier terms");
		sqlite3_reset(s);
		return rc;
	}
	memset(out, 0, sizeof *out);
	out->variant_id = variant_id;
	out->supplier_id = sqlite3_column_int64(s, 0);
	out->unit_cost_minor = sqlite3_column_int64(s, 1);
	copy_text(out->currency, sizeof out->currency, sqlite3_column_text(s, 2));
	out->min_order = (long)sqlite3_column_int64(s, 3);
	out->pack_size = (long)sqlite3_column_int64(s, 4);
	out->lead_time_days = sqlite3_column_double(s, 5);
	out->lead_time_sd_days =
		sqlite3_column_type(s, 6) == SQLITE_NULL ? -1 : sqlite3_column_double(s, 6);
	copy_text(out->delivery, sizeof out->delivery, sqlite3_column_text(s, 7));
	copy_text(out->supplier_key, sizeof out->supplier_key, sqlite3_column_text(s, 8));
	copy_text(out->supplier_name, sizeof out->supplier_name, sqlite3_column_text(s, 9));
	sqlite3_reset(s);
	return ORR_OK;
}

enum orr_rc po_terms_list(struct store *st, json_t **out, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT v.sku, t.variant_id, s.key AS supplier_key, s.name AS supplier_name, "
		"t.unit_cost_minor, t.currency, t.min_order, t.pack_size, t.lead_time_days, "
		"t.lead_time_sd_days, t.delivery, t.updated_at FROM supplier_terms t "
		"JOIN variants v ON v.id = t.variant_id JOIN suppliers s ON s.id = t.supplier_id "
		"ORDER BY v.sku", "cannot list supplier terms", err);
	return s ? store_rows_json(st, s, "cannot list supplier terms", out, err) : ORR_SOFTWARE;
}

/* The one integer of a one-parameter query; ORR_NOINPUT when no row. */
static enum orr_rc one_id(struct store *st, sqlite3_stmt *s, int64_t *out, const char *what,
			  char **err)
{
	int r = sqlite3_step(s);
	enum orr_rc rc = ORR_OK;
	if (r == SQLITE_ROW)
		*out = sqlite3_column_int64(s, 0);
	else if (r == SQLITE_DONE)
		rc = ORR_NOINPUT;
	else {
		rc = store_rc(r);
		*err = store_errmsg(st, what);
	}
	sqlite3_reset(s);
	return rc;
}

enum orr_rc po_variant_of_sku(struct store *st, const char *sku, int64_t *variant_id,
			      char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st, "SELECT id FROM variants WHERE sku = ?1",
					    "cannot look up the SKU", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, sku, -1, SQLITE_STATIC);
	enum orr_rc rc = one_id(st, s, variant_id, "cannot look up the SKU", err);
	if (rc == ORR_NOINPUT)
		*err = xasprintf("no variant has SKU \"%s\"", sku);
	return rc;
}

enum orr_rc po_supplier_of_key(struct store *st, const char *key, int64_t *supplier_id,
			       char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT min(id), count(*) FROM suppliers WHERE key = ?1",
		"cannot look up the supplier", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW) {
		*err = store_errmsg(st, "cannot look up the supplier");
		sqlite3_reset(s);
		return ORR_SOFTWARE;
	}
	int64_t n = sqlite3_column_int64(s, 1);
	*supplier_id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (n == 1)
		return ORR_OK;
	*err = n == 0 ? xasprintf("no supplier has key \"%s\"", key)
		      : xasprintf("supplier key \"%s\" names %lld suppliers of different origins",
				  key, (long long)n);
	return n == 0 ? ORR_NOINPUT : ORR_DATAERR;
}

static enum orr_rc sum_of(struct store *st, const char *sql, int64_t variant_id, int64_t *sum,
			  bool *known, const char *what, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st, sql, what, err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, variant_id);
	if (sqlite3_step(s) != SQLITE_ROW) {
		*err = store_errmsg(st, what);
		sqlite3_reset(s);
		return ORR_SOFTWARE;
	}
	if (known)
		*known = sqlite3_column_type(s, 0) != SQLITE_NULL;
	*sum = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return ORR_OK;
}

enum orr_rc po_open_quantity(struct store *st, int64_t variant_id, int64_t *quantity,
			     char **err)
{
	return sum_of(st,
		      "SELECT sum(quantity) FROM purchase_orders WHERE variant_id = ?1 "
		      "AND state IN ('proposed', 'approved', 'delivered')",
		      variant_id, quantity, NULL, "cannot sum open purchase orders", err);
}

enum orr_rc po_on_hand(struct store *st, int64_t variant_id, int64_t *units, bool *known,
		       char **err)
{
	return sum_of(st, "SELECT sum(quantity) FROM inventory_levels WHERE variant_id = ?1",
		      variant_id, units, known, "cannot sum inventory", err);
}

static enum orr_rc po_of_event(struct store *st, int64_t event_id, int64_t *id, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT id FROM purchase_orders WHERE event_id = ?1", "cannot read the order", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, event_id);
	return one_id(st, s, id, "cannot read the order", err);
}

enum orr_rc po_insert(struct store *st, const struct po_new *p, int64_t now, int64_t *id,
		      bool *existed, char **err)
{
	enum orr_rc found = po_of_event(st, p->event_id, id, err);
	*existed = found == ORR_OK;
	if (found != ORR_NOINPUT)
		return found;
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT INTO purchase_orders (number, event_id, variant_id, sku, supplier_id, "
		"quantity, unit_cost_minor, value_minor, currency, rationale, risk, created_at) "
		"VALUES ('PO-' || ?1, ?1, ?2, ?3, ?4, ?5, ?6, ?5 * ?6, ?7, ?8, ?9, ?10)",
		"cannot insert the purchase order", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, p->event_id);
	sqlite3_bind_int64(s, 2, p->variant_id);
	sqlite3_bind_text(s, 3, p->sku, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, p->supplier_id);
	sqlite3_bind_int64(s, 5, p->quantity);
	sqlite3_bind_int64(s, 6, p->unit_cost_minor);
	sqlite3_bind_text(s, 7, p->currency, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, p->rationale, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, p->risk, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 10, now);
	enum orr_rc rc = store_step_done(st, s, "cannot insert the purchase order", err);
	if (rc == ORR_OK)
		*id = sqlite3_last_insert_rowid(store_sqlite(st));
	return rc;
}

#define PO_COLUMNS                                                                              \
	"SELECT p.id, p.number, p.event_id, p.variant_id, p.sku, p.supplier_id, "               \
	"s.key AS supplier_key, s.name AS supplier_name, p.quantity, p.unit_cost_minor, "       \
	"p.value_minor, p.currency, p.state, p.rationale, p.risk, p.created_at, "               \
	"p.approved_by, p.approved_at, p.delivered_to, p.delivered_at, p.received_by, "         \
	"p.received_at "                                                                         \
	"FROM purchase_orders p JOIN suppliers s ON s.id = p.supplier_id "

/* risk is JSON text: embed it as JSON. */
static void parse_risk(json_t *po)
{
	json_t *risk = json_loads(json_string_value(json_object_get(po, "risk")), 0, NULL);
	if (risk)
		json_object_set_new(po, "risk", risk);
}

enum orr_rc po_get(struct store *st, int64_t id, json_t **out, char **err)
{
	enum orr_rc rc = store_row_by_id(st, PO_COLUMNS "WHERE p.id = ?1", id, "purchase order",
					 out, err);
	if (rc == ORR_OK)
		parse_risk(*out);
	return rc;
}

enum orr_rc po_list(struct store *st, const char *state, long limit, json_t **out, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		PO_COLUMNS "WHERE ?1 IS NULL OR p.state = ?1 ORDER BY p.id DESC "
		"LIMIT CASE WHEN ?2 > 0 THEN ?2 ELSE -1 END", "cannot list purchase orders", err);
	if (!s)
		return ORR_SOFTWARE;
	store_bind_text_or_null(s, 1, state);
	sqlite3_bind_int64(s, 2, limit);
	enum orr_rc rc = store_rows_json(st, s, "cannot list purchase orders", out, err);
	size_t i;
	json_t *po;
	if (rc == ORR_OK) {
		json_array_foreach(*out, i, po) {
			parse_risk(po);
		}
	}
	return rc;
}

enum orr_rc po_approve(struct store *st, int64_t id, const char *by, int64_t now, bool *changed,
		       char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"UPDATE purchase_orders SET state = 'approved', approved_by = ?2, approved_at = ?3 "
		"WHERE id = ?1 AND state = 'proposed'", "cannot approve the order", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, now);
	enum orr_rc rc = store_step_done(st, s, "cannot approve the order", err);
	*changed = rc == ORR_OK && sqlite3_changes(store_sqlite(st)) == 1;
	return rc;
}

enum orr_rc po_delivered(struct store *st, int64_t id, const char *to, int64_t now,
			 char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"UPDATE purchase_orders SET state = 'delivered', delivered_to = ?2, "
		"delivered_at = ?3 WHERE id = ?1 AND state = 'approved'",
		"cannot record the delivery", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, to, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, now);
	return store_step_done(st, s, "cannot record the delivery", err);
}

enum orr_rc po_reject(struct store *st, int64_t id, bool *changed, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"UPDATE purchase_orders SET state = 'rejected' WHERE id = ?1 AND state = 'proposed'",
		"cannot reject the order", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, id);
	enum orr_rc rc = store_step_done(st, s, "cannot reject the order", err);
	*changed = rc == ORR_OK && sqlite3_changes(store_sqlite(st)) == 1;
	return rc;
}

enum orr_rc po_receive(struct store *st, int64_t id, const char *by, int64_t now, bool *changed,
		       char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"UPDATE purchase_orders SET state = 'received', received_by = ?2, received_at = ?3 "
		"WHERE id = ?1 AND state IN ('approved', 'delivered')",
		"cannot record the receipt", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, now);
	enum orr_rc rc = store_step_done(st, s, "cannot record the receipt", err);
	*changed = rc == ORR_OK && sqlite3_changes(store_sqlite(st)) == 1;
	return rc;
}

char *po_job_approver(struct store *st, int64_t job_id)
{
	sqlite3_stmt *s = store_stmt(st,
		"SELECT a.decided_by FROM jobs j JOIN approvals a ON a.id = j.approval_id "
		"WHERE j.id = ?1 AND a.state = 'approved'");
	if (!s)
		return NULL;
	sqlite3_bind_int64(s, 1, job_id);
	char *by = NULL;
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		by = xstrdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_reset(s);
	return by;
}

static enum orr_rc signal_of_event(struct store *st, int64_t event_id, const char *kind,
				   int64_t *id, char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT id FROM marketing_signals WHERE event_id = ?1 AND kind = ?2",
		"cannot read the signal", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, event_id);
	sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
	return one_id(st, s, id, "cannot read the signal", err);
}

enum orr_rc signal_insert(struct store *st, const struct signal_new *sg, int64_t now,
			  int64_t *id, bool *existed, char **err)
{
	enum orr_rc found = signal_of_event(st, sg->event_id, sg->kind, id, err);
	*existed = found == ORR_OK;
	if (found != ORR_NOINPUT)
		return found;
	sqlite3_stmt *s = store_stmt_or_err(st,
		"INSERT INTO marketing_signals (event_id, kind, variant_id, sku, reason, "
		"delivered_to, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
		"cannot record the signal", err);
	if (!s)
		return ORR_SOFTWARE;
	sqlite3_bind_int64(s, 1, sg->event_id);
	sqlite3_bind_text(s, 2, sg->kind, -1, SQLITE_STATIC);
	store_bind_id_or_null(s, 3, sg->variant_id);
	sqlite3_bind_text(s, 4, sg->sku, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, sg->reason, -1, SQLITE_STATIC);
	store_bind_text_or_null(s, 6, sg->delivered_to);
	sqlite3_bind_int64(s, 7, now);
	enum orr_rc rc = store_step_done(st, s, "cannot record the signal", err);
	if (rc == ORR_OK)
		*id = sqlite3_last_insert_rowid(store_sqlite(st));
	return rc;
}

enum orr_rc signal_list(struct store *st, const char *sku, long limit, json_t **out,
			char **err)
{
	sqlite3_stmt *s = store_stmt_or_err(st,
		"SELECT id, event_id, kind, variant_id, sku, reason, delivered_to, created_at "
		"FROM marketing_signals WHERE ?1 IS NULL OR sku = ?1 ORDER BY id DESC "
		"LIMIT CASE WHEN ?2 > 0 THEN ?2 ELSE -1 END", "cannot list signals", err);
	if (!s)
		return ORR_SOFTWARE;
	store_bind_text_or_null(s, 1, sku);
	sqlite3_bind_int64(s, 2, limit);
	return store_rows_json(st, s, "cannot list signals", out, err);
}
