/* ingest_map.c - the table-driven importer engine. */
#include "ingest_map.h"

#include <stdlib.h>
#include <string.h>

struct map_state {
	const struct map_spec *spec;
	int *cols; /* header index per spec field, -1 when absent */
};

enum orr_rc map_begin(struct ingest_job *job, char **err)
{
	const struct map_spec *spec = job_importer(job)->map;
	size_t n = 0;
	while (spec->fields[n].header)
		n++;
	struct map_state *m = xcalloc(1, sizeof *m);
	m->spec = spec;
	m->cols = xcalloc(n ? n : 1, sizeof *m->cols);
	job_set_state(job, m);
	for (size_t i = 0; i < n; i++) {
		m->cols[i] = job_col(job, spec->fields[i].header);
		if (m->cols[i] < 0 && spec->fields[i].required)
			return job_need(job, spec->fields[i].header, &m->cols[i], err);
	}
	return ORR_OK;
}

void map_end(struct ingest_job *job)
{
	struct map_state *m = job_state(job);
	if (!m)
		return;
	free(m->cols);
	free(m);
	job_set_state(job, NULL);
}

int map_column(const struct ingest_job *job, int field)
{
	const struct map_state *m = job_state(job);
	return m->cols[field];
}

/* Parse one field into *v; false when the record was rejected. */
static bool read_field(struct ingest_job *job, const struct map_field *f, int col, struct val *v)
{
	switch (f->type) {
	case MAP_KEY:
		*v = job_trimmed(job, col);
		break;
	case MAP_TEXT:
		*v = val_text(job_text(job, col));
		break;
	case MAP_INT:
		return job_int(job, col, f->required, v);
	case MAP_MONEY:
		return job_money(job, col, f->required, v);
	case MAP_TIME:
		return job_time(job, col, f->required, v);
	case MAP_BOOL:
		return job_bool(job, col, v);
	}
	if (f->required && v->type == VAL_NULL) {
		job_reject(job, col, "required value is missing");
		return false;
	}
	return true;
}

bool map_read(struct ingest_job *job, struct val *vals)
{
	const struct map_state *m = job_state(job);
	const struct map_spec *spec = m->spec;
	memset(vals, 0, ENTITY_MAX_COLS * sizeof *vals);
	if (spec->origin_col >= 0)
		vals[spec->origin_col] = val_text(job_origin(job));
	if (spec->currency_col >= 0)
		vals[spec->currency_col] = val_text(job_currency(job));
	for (const struct map_const *c = spec->consts; c && c->col >= 0; c++)
		vals[c->col] = c->value;
	bool ok = true;
	for (int i = 0; spec->fields[i].header; i++)
		if (m->cols[i] >= 0 || spec->fields[i].required)
			ok = read_field(job, &spec->fields[i], m->cols[i], &vals[spec->fields[i].col]) && ok;
	return ok;
}

enum row_result map_row(struct ingest_job *job)
{
	struct val v[ENTITY_MAX_COLS];
	if (!map_read(job, v))
		return ROW_REJECTED;
	const struct map_state *m = job_state(job);
	return job_upsert(job, m->spec->kind, v, NULL);
}
