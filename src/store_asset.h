/* store_asset.h - product images in the assets table: the source images a
 * vision job reads and the produced images it writes (kind 'produced'). */
#ifndef ORR_STORE_ASSET_H
#define ORR_STORE_ASSET_H

#include <jansson.h>
#include <stdint.h>

#include "rc.h"

struct store;

/* The product's source images, first by position then id, as a new JSON
 * array of {id, uri, position, alt_text, variant_id}.  ORR_OK with an empty
 * array when it has none. */
enum orr_rc asset_sources(struct store *st, int64_t product_id, json_t **out, char **err);

/* One produced image.  uri is where the file is (a path). */
struct asset_produced {
	int64_t product_id;
	int64_t variant_id; /* 0: none */
	const char *preset; /* "amazon-main", "ghost-mannequin", ... */
	const char *uri;
	const char *alt_text; /* may be NULL */
	int width, height;
	int64_t bytes;
	const char *checksum; /* FNV-1a 64 of the file, hex */
};

/* Insert the produced image, or update the row of the same product and
 * uri (a job run again rewrites its files in place): *id is the row's. */
enum orr_rc asset_record_produced(struct store *st, const struct asset_produced *a, int64_t *id,
				  char **err);

/* The produced images of a product (product_id > 0) or of every product
 * (0), newest first, at most limit, as a new JSON array of rows. */
enum orr_rc asset_produced_list(struct store *st, int64_t product_id, long limit, json_t **out,
				char **err);

#endif
