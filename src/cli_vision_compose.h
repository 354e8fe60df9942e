/* cli_vision_compose.h - `orrery vision ghost|lifestyle|group|poster|asset-set`:
 * the composites from the command line, rows of the `vision` subcommand
 * table (cli_vision.c).  Each writes one image (--out FILE, the format
 * from its extension) and returns the exit status. */
#ifndef ORR_CLI_VISION_COMPOSE_H
#define ORR_CLI_VISION_COMPOSE_H

struct cli;

int cli_vision_ghost(struct cli *cli);
int cli_vision_lifestyle(struct cli *cli);
int cli_vision_group(struct cli *cli);
int cli_vision_poster(struct cli *cli);
/* Every preset plus the zoom image of one product photo into --out DIR. */
int cli_vision_asset_set(struct cli *cli);

#endif
