/* fc_select.h - choosing each series' model by rolling-origin backtest.
 *
 * Every candidate method is fitted once on the history before the first
 * origin; its parameters are then kept while the origin rolls forward a week
 * at a time (the model is re-run over the longer history, not re-fitted),
 * and each origin's forecast is scored against what followed: MASE (scaled
 * by the in-sample mean absolute one-day change, as in M5), WAPE and bias.
 * Automatic ETS (chosen by AICc) is kept unless another method's MASE is
 * more than 20% lower - a few weeks of backtest are a noisy judge - and the
 * choice is re-fitted on the whole history for the forecast itself. */
#ifndef ORR_FC_SELECT_H
#define ORR_FC_SELECT_H

#include <stdbool.h>

#include "fc_model.h"

#ifndef FC_ORIGINS
#define FC_ORIGINS 3     /* backtest origins */
#define FC_ORIGIN_STEP 7 /* days between them; 0: the horizon */
#endif

struct fc_score {
	bool tried;             /* the method could be fitted and scored */
	double mase, wape, bias; /* NAN where undefined (a flat or empty history) */
};

struct fc_choice {
	enum fc_method method;     /* the winner */
	struct fc_model model;     /* fitted on the whole history */
	char label[16];            /* the method, or "ets_aadn" for automatic ETS */
	struct fc_score score;     /* the winner's backtest */
	struct fc_score scores[FC_NMETHODS];
	int origins;               /* backtest origins used (0: history too short) */
};

/* Choose among the methods allowed (allowed[m]; NULL: all) for y[0..n)
 * with forecasts of horizon days, fitting the winner on all of y.
 * False when no method can be fitted (n < 2). */
bool fc_select(const double *y, int n, int horizon, const bool *allowed, struct fc_choice *out);

/* MASE, WAPE and bias of forecast f against actual a over h days, the MASE
 * scaled by the mean absolute one-day change of the history y[0..n). */
struct fc_score fc_score_of(const double *y, int n, const double *a, const double *f, int h);

#endif
