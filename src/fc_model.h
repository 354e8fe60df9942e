/* fc_model.h - forecasting models for one daily demand series.
 *
 * Naive and seasonal naive; the exponential-smoothing state-space family
 * (ETS: error A/M, trend N/A/Ad, season N/A/M with a weekly period), whose
 * named members are simple exponential smoothing ETS(A,N,N), damped Holt
 * ETS(A,Ad,N) and Holt-Winters additive ETS(A,A,A) and multiplicative
 * ETS(M,A,M), and automatic ETS, the member with the smallest AICc;
 * and, for intermittent demand, Croston, its SBA correction and TSB.
 *
 * ETS follows Hyndman et al., "Forecasting with exponential smoothing"
 * (2008), as R's forecast::ets does: parameters and the initial level and
 * trend by maximum likelihood (Nelder-Mead), seasonal initial states by a
 * classical decomposition of the first weeks, the same parameter bounds and
 * likelihood, so the AICc are comparable with R's.  Pure computation: no
 * I/O, no allocation beyond the caller's buffers and small scratch. */
#ifndef ORR_FC_MODEL_H
#define ORR_FC_MODEL_H

#include <stdbool.h>

#define FC_PERIOD 7 /* the seasonal period of daily demand: a week */

enum fc_method {
	FC_NAIVE,
	FC_SNAIVE,
	FC_SES,
	FC_HOLT_DAMPED,
	FC_HW_ADD,
	FC_HW_MUL,
	FC_ETS, /* automatic: the ETS model with the smallest AICc */
	FC_CROSTON,
	FC_SBA,
	FC_TSB,
	FC_NMETHODS
};

/* One member of the ETS family. */
struct fc_ets_kind {
	char error;  /* 'A' additive, 'M' multiplicative */
	char trend;  /* 'N' none, 'A' additive, 'D' additive damped */
	char season; /* 'N', 'A', 'M' */
};

/* A fitted model: what it takes to filter a series and forecast from it. */
struct fc_model {
	enum fc_method method;
	struct fc_ets_kind kind;   /* ETS-based methods */
	double alpha, beta, gamma, phi;
	double l0, b0, s0[FC_PERIOD]; /* initial states; s0[i] belongs to day i */
	double sigma2;             /* variance of the one-step errors (relative for error M) */
	double loglik, aicc;       /* ETS only */
	int npar;                  /* parameters counted by the AICc */
	int nobs;                  /* observations it was fitted on */
};

/* "naive", "snaive", "ses", "holt_damped", "hw_add", "hw_mul", "ets",
 * "croston", "sba", "tsb"; fc_method_parse is its inverse. */
const char *fc_method_name(enum fc_method m);
bool fc_method_parse(const char *name, enum fc_method *m);
/* Whether the method's forecasts come with prediction intervals. */
bool fc_method_has_intervals(enum fc_method m);
/* The ETS kind's name, "ets_" and its letters in lower case: "ets_aadn"
 * for ETS(A,Ad,N), "ets_mam" for ETS(M,A,M); into buf (12 bytes or more). */
const char *fc_ets_label(const struct fc_ets_kind *k, char *buf);

/* Fit method m to y[0..n).  Returns false when the series cannot carry
 * the method (too short; multiplicative forms with a zero or negative
 * value; Croston without two demands), *out untouched then. */
bool fc_fit(enum fc_method m, const double *y, int n, struct fc_model *out);
/* Fit one ETS member. */
bool fc_fit_ets(const struct fc_ets_kind *k, const double *y, int n, struct fc_model *out);
/* The same, the optimiser starting from warm's parameters when warm is
 * not NULL: a fit of the same kind on a prefix of y (a backtest's). */
bool fc_fit_ets_from(const struct fc_ets_kind *k, const double *y, int n,
		     const struct fc_model *warm, struct fc_model *out);

/* Automatic ETS: fits every admissible member (multiplicative ones only on
 * a positive series) and returns the one with the smallest AICc.  When fits
 * is not NULL, each member fitted is also stored there (room for
 * FC_ETS_KINDS) with its count in *nfits, so callers can reuse them. */
#define FC_ETS_KINDS 15
bool fc_fit_ets_auto(const double *y, int n, struct fc_model *best, struct fc_model *fits,
		     int *nfits);
/* Automatic ETS, each member warm-started from the model of its kind in
 * warm[0..nwarm) when there is one (fits on a prefix of y). */
bool fc_fit_ets_auto_from(const double *y, int n, const struct fc_model *warm, int nwarm,
			  struct fc_model *best, struct fc_model *fits, int *nfits);

/* Run model m over y[0..n) - the series it was fitted on, or a shorter or
 * longer stretch of the same one (rolling-origin backtests keep the
 * parameters and move the origin) - and forecast h days after y[n-1] into
 * mean[0..h).  With lo and hi (both or neither) and a model that has
 * intervals, the central prediction interval at level (0.95) as well;
 * without intervals they are filled with NAN.  Returns the standard
 * deviation of the model's one-step errors on y, in units. */
double fc_predict(const struct fc_model *m, const double *y, int n, int h, double level,
		  double *mean, double *lo, double *hi);

/* The quantile of the standard normal distribution (0 < p < 1). */
double fc_norm_quantile(double p);

#endif
