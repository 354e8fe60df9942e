/* fc_model.c - naive, seasonal naive, ETS (and its named members),
 * automatic ETS by AICc, Croston, SBA and TSB.  See fc_model.h. */
#include "fc_model.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define M FC_PERIOD
/* R's forecast::ets bounds ("usual" region) and its starting values. */
#define PAR_LO 1e-4
#define PAR_HI 0.9999
#define PHI_LO 0.8
#define PHI_HI 0.98
#define CROSTON_ALPHA 0.1 /* R's croston() default */
#define SIM_PATHS 2000    /* paths simulated for the intervals of nonlinear ETS */
#define HUGE_LIK 1e300

static const char *const method_names[FC_NMETHODS] = {
	[FC_NAIVE] = "naive",	      [FC_SNAIVE] = "snaive", [FC_SES] = "ses",
	[FC_HOLT_DAMPED] = "holt_damped", [FC_HW_ADD] = "hw_add", [FC_HW_MUL] = "hw_mul",
	[FC_ETS] = "ets",	      [FC_CROSTON] = "croston", [FC_SBA] = "sba",
	[FC_TSB] = "tsb",
};

const char *fc_method_name(enum fc_method m)
{
	return m >= 0 && m < FC_NMETHODS ? method_names[m] : "?";
}

bool fc_method_parse(const char *name, enum fc_method *m)
{
	for (int i = 0; i < FC_NMETHODS; i++)
		if (strcmp(method_names[i], name) == 0) {
			*m = (enum fc_method)i;
			return true;
		}
	return false;
}

bool fc_method_has_intervals(enum fc_method m)
{
	return m != FC_CROSTON && m != FC_SBA && m != FC_TSB;
}

const char *fc_ets_label(const struct fc_ets_kind *k, char *buf)
{
	snprintf(buf, 12, "ets_%c%s%c", k->error == 'M' ? 'm' : 'a',
		 k->trend == 'D' ? "ad" : k->trend == 'A' ? "a" : "n",
		 k->season == 'M' ? 'm' : k->season == 'A' ? 'a' : 'n');
	return buf;
}

/* --- the normal quantile (Acklam's rational approximation, refined by one
 * Halley step on erfc: relative error below 1e-15) ------------------------- */

double fc_norm_quantile(double p)
{
	static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02,
				    -2.759285104469687e+02, 1.383577518672690e+02,
				    -3.066479806614716e+01, 2.506628277459239e+00 };
	static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02,
				    -1.556989798598866e+02, 6.680131188771972e+01,
				    -1.328068155288572e+01 };
	static const double c[] = { -7.784894002430293e-03, -3.223964580411365e-01,
				    -2.400758277161838e+00, -2.549732539343734e+00,
				    4.374664141464968e+00,  2.938163982698783e+00 };
	static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01,
				    2.445134137142996e+00, 3.754408661907416e+00 };
	if (!(p > 0 && p < 1))
		return NAN;
	double x, q, r;
	if (p < 0.02425) {
		q = sqrt(-2 * log(p));
		x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	} else if (p <= 1 - 0.02425) {
		q = p - 0.5;
		r = q * q;
		x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
		    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
	} else {
		q = sqrt(-2 * log(1 - p));
		x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	}
	double e = 0.5 * erfc(-x / sqrt(2)) - p;
	double u = e * sqrt(2 * M_PI) * exp(x * x / 2);
	return x - u / (1 + x * u / 2);
}

/* --- the ETS recursions ------------------------------------------------------ */

struct ets_state {
	double l, b, s[M]; /* s[t % M]: the seasonal state of period t's weekday */
};

static void state_init(const struct fc_model *m, struct ets_state *x)
{
	x->l = m->l0;
	x->b = m->kind.trend == 'N' ? 0 : m->b0;
	for (int i = 0; i < M; i++)
		x->s[i] = m->kind.season == 'N' ? 0 : m->s0[i];
}

static double damping(const struct fc_model *m)
{
	return m->kind.trend == 'D' ? m->phi : m->kind.trend == 'A' ? 1 : 0;
}

/* The recursions take the model's kind as arguments: the filter calls
 * them with constants, one specialised copy per kind (ets_filter's
 * switch), so the inner loop carries no branch on the kind. */
#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* The one-step forecast from state x, its weekday's seasonal state s. */
ALWAYS_INLINE double yhat_k(char tr, char se, double phi, const struct ets_state *x, double s,
			    double *lb)
{
	*lb = tr == 'N' ? x->l : x->l + phi * x->b;
	return se == 'A' ? *lb + s : se == 'M' ? *lb * s : *lb;
}

/* Move the state past a period whose error (relative for error M) is e;
 * *sn is that period's seasonal state, s its value before. */
ALWAYS_INLINE void update_k(char er, char tr, char se, const struct fc_model *m, double phi,
			    struct ets_state *x, double *sn, double s, double lb, double e)
{
	if (er == 'A') {
		double es = se == 'M' ? e / s : e;
		x->l = lb + m->alpha * es;
		if (tr != 'N')
			x->b = phi * x->b + m->beta * es;
		if (se == 'A')
			*sn = s + m->gamma * e;
		else if (se == 'M')
			*sn = s + m->gamma * e / lb;
	} else if (se == 'A') {
		double u = (lb + s) * e;
		x->l = lb + m->alpha * u;
		if (tr != 'N')
			x->b = phi * x->b + m->beta * u;
		*sn = s + m->gamma * u;
	} else {
		x->l = lb * (1 + m->alpha * e);
		if (tr != 'N')
			x->b = phi * x->b + m->beta * lb * e;
		if (se == 'M')
			*sn = s * (1 + m->gamma * e);
	}
}

/* The one-step forecast of period t from state x. */
static double ets_yhat(const struct fc_model *m, const struct ets_state *x, int t, double *lb)
{
	return yhat_k(m->kind.trend, m->kind.season, damping(m), x, x->s[t % M], lb);
}

/* Move the state past period t, whose error (relative for error M) is e. */
static void ets_update(const struct fc_model *m, struct ets_state *x, int t, double lb, double e)
{
	update_k(m->kind.error, m->kind.trend, m->kind.season, m, damping(m), x, &x->s[t % M],
		 x->s[t % M], lb, e);
}

/* Move the state past period t of the data, y its value, f its one-step
 * forecast and e its error.  The same state as update_k, written so the
 * level's and trend's dependency on their previous values is short: in
 * every member the new level is (1-alpha) lb + alpha y*, the trend
 * phi b + beta (y* - lb), with y* the deseasonalised value (y - s, y / s
 * or y), which is known before lb.  The filter is bound by that chain:
 * this form halves it (and so the time of a fit). */
ALWAYS_INLINE void update_y_k(char er, char tr, char se, const struct fc_model *m, double phi,
			      struct ets_state *x, double *sn, double s, double lb, double y,
			      double f, double e)
{
	double ys = se == 'A' ? y - s : se == 'M' ? y / s : y;
	x->l = (1 - m->alpha) * lb + m->alpha * ys;
	if (tr != 'N')
		x->b = (phi * x->b + m->beta * ys) - m->beta * lb;
	if (se == 'A')
		*sn = s + m->gamma * (er == 'A' ? e : y - f);
	else if (se == 'M')
		*sn = er == 'A' ? s + m->gamma * e / lb : s * (1 + m->gamma * e);
}

/* Filter y[0..n): the likelihood term (R's: n log SSE, plus 2 sum log|yhat|
 * for error M), the sum of squared errors in units in *sse_units.
 * HUGE_LIK when the model breaks down on the data. */
ALWAYS_INLINE double filter_k(char er, char tr, char se, const struct fc_model *m,
			      const double *y, int n, struct ets_state *x, double *sse_units)
{
	/* sum log|f| as the log of products of LOG_RUN forecasts (|f| is
	 * above 1e-10, so a run cannot underflow): a log per run, not per day */
	enum { LOG_RUN = 8 };
	double sse = 0, sumlog = 0, prod = 1, sseu = 0, lb, phi = damping(m);
	state_init(m, x);
	for (int t = 0, pos = 0; t < n; t++, pos = pos == M - 1 ? 0 : pos + 1) {
		double s = x->s[pos], f = yhat_k(tr, se, phi, x, s, &lb);
		if (er == 'M' && !(fabs(f) > 1e-10))
			return HUGE_LIK;
		double e = er == 'A' ? y[t] - f : (y[t] - f) / f;
		sse += e * e;
		if (sse_units)
			sseu += (y[t] - f) * (y[t] - f);
		if (er == 'M') {
			prod *= fabs(f);
			if (t % LOG_RUN == LOG_RUN - 1)
				sumlog += log(prod), prod = 1;
		}
		update_y_k(er, tr, se, m, phi, x, &x->s[pos], s, lb, y[t], f, e);
	}
	if (!isfinite(x->l) || !isfinite(sse) || !isfinite(sumlog))
		return HUGE_LIK;
	if (sse_units)
		*sse_units = sseu;
	return n * log(fmax(sse, 1e-300)) + 2 * (sumlog + log(prod));
}

#define FILTER_CASE(E, T, S)                                                   \
	if (k->error == E && k->trend == T && k->season == S)                  \
		return filter_k(E, T, S, m, y, n, x, sse_units);

static double ets_filter(const struct fc_model *m, const double *y, int n, struct ets_state *x,
			 double *sse_units)
{
	const struct fc_ets_kind *k = &m->kind;
	FILTER_CASE('A', 'N', 'N') FILTER_CASE('A', 'A', 'N') FILTER_CASE('A', 'D', 'N')
	FILTER_CASE('A', 'N', 'A') FILTER_CASE('A', 'A', 'A') FILTER_CASE('A', 'D', 'A')
	FILTER_CASE('M', 'N', 'N') FILTER_CASE('M', 'A', 'N') FILTER_CASE('M', 'D', 'N')
	FILTER_CASE('M', 'N', 'A') FILTER_CASE('M', 'A', 'A') FILTER_CASE('M', 'D', 'A')
	FILTER_CASE('M', 'N', 'M') FILTER_CASE('M', 'A', 'M') FILTER_CASE('M', 'D', 'M')
	/* outside R's model space (additive error, multiplicative season) */
	return filter_k(k->error, k->trend, k->season, m, y, n, x, sse_units);
}

/* --- initial states (R's initstate: seasonal indices from the first
 * weeks, then level and trend by least squares on the first 14 days of
 * the seasonally adjusted series) ----------------------------------------- */

static bool initial_states(const struct fc_ets_kind *k, const double *y, int n, struct fc_model *m)
{
	double adj[2 * M];
	int maxn = n < 2 * M ? n : 2 * M;
	for (int i = 0; i < M; i++)
		m->s0[i] = k->season == 'M' ? 1 : 0;
	if (k->season != 'N') {
		int weeks = n / M < 4 ? n / M : 4;
		if (weeks < 2)
			return false;
		double idx[M] = { 0 }, norm = 0;
		for (int w = 0; w < weeks; w++) {
			double mean = 0;
			for (int i = 0; i < M; i++)
				mean += y[w * M + i] / M;
			if (k->season == 'M' && mean <= 0)
				return false;
			for (int i = 0; i < M; i++)
				idx[i] += (k->season == 'M' ? y[w * M + i] / mean : y[w * M + i] - mean) / weeks;
		}
		for (int i = 0; i < M; i++)
			norm += idx[i] / M;
		for (int i = 0; i < M; i++) {
			m->s0[i] = k->season == 'M' ? idx[i] / norm : idx[i] - norm;
			if (k->season == 'M' && m->s0[i] <= 1e-3)
				return false;
		}
	}
	for (int t = 0; t < maxn; t++)
		adj[t] = k->season == 'M' ? y[t] / m->s0[t % M] : y[t] - m->s0[t % M];
	double sx = 0, sy = 0, sxx = 0, sxy = 0;
	for (int t = 0; t < maxn; t++) {
		sx += t + 1;
		sy += adj[t];
		sxx += (double)(t + 1) * (t + 1);
		sxy += (t + 1) * adj[t];
	}
	if (k->trend == 'N' || maxn < 2) {
		m->l0 = sy / maxn;
		m->b0 = 0;
	} else {
		m->b0 = (maxn * sxy - sx * sy) / (maxn * sxx - sx * sx);
		m->l0 = (sy - m->b0 * sx) / maxn;
	}
	return !(k->error == 'M' && m->l0 <= 0);
}

/* --- Nelder-Mead over the free parameters -------------------------------- */

#define NM_MAXDIM 6
/* The optimiser stops when the simplex's values agree to NM_TOL (relative)
 * or after NM_EVALS evaluations per dimension, and starts again from its
 * best point up to NM_RESTARTS times while that gains.  Looser than R's
 * reltol 1e-8: on 300 generated series 1e-6 changed the mean MASE by
 * 0.0007 and took half the time. */
#ifndef NM_TOL
#define NM_TOL 1e-6
#define NM_EVALS 50
#define NM_RESTARTS 1
#endif
/* The first simplex's steps: smoothing parameters in their own units, the
 * level and trend relative to the series' mean absolute value. */
#ifndef STEP_ALPHA
#define STEP_ALPHA 0.1
#define STEP_BETA 0.01
#define STEP_GAMMA 0.05
#define STEP_PHI 0.05
#define STEP_LEVEL 0.2
#define STEP_TREND 0.02
#endif
/* A warm start's simplex, as a share of the cold one (on 1,000 generated
 * series: 1 took 15% more time than 0.25, 0.25 4% more than 0.1, for the
 * same MASE to within 0.001) */
#ifndef WARM_STEP
#define WARM_STEP 0.1
#endif

struct ets_problem {
	struct fc_model m;
	const double *y;
	int n, dim;
};

static double clamp(double v, double lo, double hi, double *moved)
{
	double c = v < lo ? lo : v > hi ? hi : v;
	*moved += fabs(v - c);
	return c;
}

/* Parameters from the optimiser's vector: alpha [beta] [gamma] [phi] l0
 * [b0].  A vector outside R's bounds is moved onto them, and *moved says
 * how far: the objective adds a penalty for it, so the simplex can slide
 * along a bound (optima often sit on one: alpha or beta at 1e-4) instead
 * of stalling against a wall. */
static void unpack(struct ets_problem *p, const double *v, double *moved)
{
	struct fc_model *m = &p->m;
	int i = 0;
	*moved = 0;
	m->alpha = clamp(v[i++], PAR_LO, PAR_HI, moved);
	m->beta = m->kind.trend != 'N' ? clamp(v[i++], PAR_LO, m->alpha, moved) : 0;
	m->gamma = m->kind.season != 'N' ? clamp(v[i++], PAR_LO, 1 - m->alpha, moved) : 0;
	m->phi = m->kind.trend == 'D' ? clamp(v[i++], PHI_LO, PHI_HI, moved) : 1;
	m->l0 = v[i++];
	if (m->kind.trend != 'N')
		m->b0 = v[i++];
}

static double objective(struct ets_problem *p, const double *v)
{
	struct ets_state x;
	double moved;
	unpack(p, v, &moved);
	double lik = ets_filter(&p->m, p->y, p->n, &x, NULL);
	return lik >= HUGE_LIK ? HUGE_LIK : lik + 10 * moved;
}

/* Nelder-Mead with the usual coefficients; stops when the simplex's values
 * agree to a relative 1e-8 or after maxeval evaluations.  v: start in,
 * best out. */
static double nelder_mead(struct ets_problem *p, double *v, const double *step, int maxeval)
{
	int d = p->dim, worst, best, second;
	double s[NM_MAXDIM + 1][NM_MAXDIM], f[NM_MAXDIM + 1] = { 0 }, c[NM_MAXDIM], r[NM_MAXDIM],
		e[NM_MAXDIM];
	for (int i = 0; i <= d; i++) {
		memcpy(s[i], v, sizeof(double) * d);
		if (i > 0)
			s[i][i - 1] += step[i - 1];
		f[i] = objective(p, s[i]);
	}
	int evals = d + 1;
	for (;;) {
		best = worst = 0;
		for (int i = 1; i <= d; i++) {
			if (f[i] < f[best])
				best = i;
			if (f[i] > f[worst])
				worst = i;
		}
		second = best;
		for (int i = 0; i <= d; i++)
			if (i != worst && f[i] > f[second])
				second = i;
		if (evals >= maxeval || fabs(f[worst] - f[best]) <= NM_TOL * (fabs(f[best]) + 1e-8))
			break;
		for (int j = 0; j < d; j++) {
			c[j] = 0;
			for (int i = 0; i <= d; i++)
				if (i != worst)
					c[j] += s[i][j] / d;
		}
		for (int j = 0; j < d; j++)
			r[j] = c[j] + (c[j] - s[worst][j]);
		double fr = objective(p, r);
		evals++;
		if (fr < f[best]) {
			for (int j = 0; j < d; j++)
				e[j] = c[j] + 2 * (c[j] - s[worst][j]);
			double fe = objective(p, e);
			evals++;
			bool expand = fe < fr;
			memcpy(s[worst], expand ? e : r, sizeof(double) * d);
			f[worst] = expand ? fe : fr;
		} else if (fr < f[second]) {
			memcpy(s[worst], r, sizeof(double) * d);
			f[worst] = fr;
		} else {
			bool outside = fr < f[worst]; /* contract outside or inside */
			for (int j = 0; j < d; j++)
				e[j] = c[j] + (outside ? 0.5 : -0.5) * (c[j] - s[worst][j]);
			double fc = objective(p, e);
			evals++;
			if (fc < (outside ? fr : f[worst])) {
				memcpy(s[worst], e, sizeof(double) * d);
				f[worst] = fc;
			} else {
				for (int i = 0; i <= d; i++) {
					if (i == best)
						continue;
					for (int j = 0; j < d; j++)
						s[i][j] = s[best][j] + 0.5 * (s[i][j] - s[best][j]);
					f[i] = objective(p, s[i]);
				}
				evals += d;
			}
		}
	}
	memcpy(v, s[best], sizeof(double) * d);
	return f[best];
}

/* Parameters R's ets counts: smoothing, initial states, and sigma. */
static int ets_npar(const struct fc_ets_kind *k)
{
	int np = 1 + 1 + 1; /* alpha, l0, sigma */
	if (k->trend != 'N')
		np += 2; /* beta, b0 */
	if (k->trend == 'D')
		np += 1;
	if (k->season != 'N')
		np += 1 + M - 1;
	return np;
}

/* The optimiser's first point and steps: R's initparam, or (warm) the
 * parameters of the same kind fitted on a prefix of the series.  The
 * initial states belong to day 0 either way, so the prefix's optimum is
 * near the whole series' one and a smaller simplex finds it sooner. */
static int start_point(const struct fc_ets_kind *k, const struct fc_model *m,
		       const struct fc_model *warm, double scale, double *v, double *step)
{
	/* R's initparam (the period is the data's, 7, with or without a
	 * season): alpha 0.2/7, beta a tenth of it, gamma small, phi 0.978 */
	double alpha = PAR_LO + 0.2 * (PAR_HI - PAR_LO) / M;
	double f = warm ? WARM_STEP : 1;
	int d = 0;
	v[d] = warm ? warm->alpha : alpha, step[d++] = f * STEP_ALPHA;
	if (k->trend != 'N')
		v[d] = warm ? warm->beta : PAR_LO + 0.1 * (alpha - PAR_LO), step[d++] = f * STEP_BETA;
	if (k->season != 'N')
		v[d] = warm ? warm->gamma : PAR_LO + 0.05 * (1 - alpha - PAR_LO),
		step[d++] = f * STEP_GAMMA;
	if (k->trend == 'D')
		v[d] = warm ? warm->phi : PHI_LO + 0.99 * (PHI_HI - PHI_LO), step[d++] = -f * STEP_PHI;
	v[d] = warm ? warm->l0 : m->l0, step[d++] = f * STEP_LEVEL * scale;
	if (k->trend != 'N')
		v[d] = warm ? warm->b0 : m->b0, step[d++] = f * STEP_TREND * scale;
	return d;
}

bool fc_fit_ets(const struct fc_ets_kind *k, const double *y, int n, struct fc_model *out)
{
	return fc_fit_ets_from(k, y, n, NULL, out);
}

bool fc_fit_ets_from(const struct fc_ets_kind *k, const double *y, int n,
		     const struct fc_model *warm, struct fc_model *out)
{
	struct ets_problem p = { .y = y, .n = n };
	p.m.method = FC_ETS;
	p.m.kind = *k;
	int np = ets_npar(k);
	if (n < np + 4 || (k->season != 'N' && n < 2 * M))
		return false;
	if (k->error == 'M' || k->season == 'M' || k->trend == 'M')
		for (int t = 0; t < n; t++)
			if (!(y[t] > 0))
				return false;
	if (!initial_states(k, y, n, &p.m))
		return false;
	double scale = 0;
	for (int t = 0; t < n; t++)
		scale += fabs(y[t]) / n;
	scale = fmax(scale, 1e-3);
	double v[NM_MAXDIM], step[NM_MAXDIM];
	int d = start_point(k, &p.m, warm, scale, v, step);
	p.dim = d;
	/* restarts from the best point with a fresh simplex escape a collapsed
	 * one (Nelder-Mead's known failure): until one gains nothing */
	double lik = nelder_mead(&p, v, step, NM_EVALS * d);
	for (int restart = 0; restart < NM_RESTARTS; restart++) {
		double again = nelder_mead(&p, v, step, NM_EVALS * d);
		bool gained = again < lik - 1e-6 * (fabs(lik) + 1);
		lik = again;
		if (!gained)
			break;
	}
	double moved;
	unpack(&p, v, &moved);
	if (!(lik < HUGE_LIK / 2))
		return false;
	lik = ets_filter(&p.m, y, n, &(struct ets_state){ 0 }, NULL); /* without the penalty */
	/* the likelihood term less its log part is n log SSE */
	double sse = exp(lik / n);
	if (k->error == 'M') {
		struct ets_state x;
		double lb;
		state_init(&p.m, &x);
		sse = 0;
		for (int t = 0; t < n; t++) {
			double f = ets_yhat(&p.m, &x, t, &lb), e = (y[t] - f) / f;
			sse += e * e;
			ets_update(&p.m, &x, t, lb, e);
		}
	}
	p.m.npar = np;
	p.m.nobs = n;
	/* R divides by n less the parameters it estimated (sigma not among them) */
	p.m.sigma2 = sse / (n - (np - 1));
	p.m.loglik = -0.5 * lik;
	double aic = lik + 2.0 * np;
	p.m.aicc = aic + 2.0 * np * (np + 1) / (n - np - 1);
	*out = p.m;
	return true;
}

/* R's default model space: no multiplicative trend, and no additive error
 * with a multiplicative season (numerically unstable). */
static const struct fc_ets_kind ets_kinds[FC_ETS_KINDS] = {
	{ 'A', 'N', 'N' }, { 'A', 'A', 'N' }, { 'A', 'D', 'N' }, { 'A', 'N', 'A' },
	{ 'A', 'A', 'A' }, { 'A', 'D', 'A' }, { 'M', 'N', 'N' }, { 'M', 'A', 'N' },
	{ 'M', 'D', 'N' }, { 'M', 'N', 'A' }, { 'M', 'A', 'A' }, { 'M', 'D', 'A' },
	{ 'M', 'N', 'M' }, { 'M', 'A', 'M' }, { 'M', 'D', 'M' },
};

bool fc_fit_ets_auto(const double *y, int n, struct fc_model *best, struct fc_model *fits,
		     int *nfits)
{
	return fc_fit_ets_auto_from(y, n, NULL, 0, best, fits, nfits);
}

static const struct fc_model *same_kind(const struct fc_model *models, int count,
					const struct fc_ets_kind *k)
{
	for (int i = 0; i < count; i++)
		if (models[i].kind.error == k->error && models[i].kind.trend == k->trend &&
		    models[i].kind.season == k->season)
			return &models[i];
	return NULL;
}

bool fc_fit_ets_auto_from(const double *y, int n, const struct fc_model *warm, int nwarm,
			  struct fc_model *best, struct fc_model *fits, int *nfits)
{
	bool positive = true, found = false;
	for (int t = 0; t < n && positive; t++)
		positive = y[t] > 0;
	int nf = 0;
	for (int i = 0; i < FC_ETS_KINDS; i++) {
		struct fc_model m;
		if (ets_kinds[i].error == 'M' && !positive)
			continue;
		if (!fc_fit_ets_from(&ets_kinds[i], y, n, same_kind(warm, nwarm, &ets_kinds[i]), &m))
			continue;
		if (fits)
			fits[nf] = m;
		nf++;
		if (!found || m.aicc < best->aicc) {
			*best = m;
			found = true;
		}
	}
	if (nfits)
		*nfits = nf;
	return found;
}

/* --- intermittent demand ------------------------------------------------- */

/* Croston's recursions (as R's croston(): both smoothed from their first
 * value), over y[0..n).  Returns false before two demands. *fitted_sse
 * collects the one-step errors from the first demand on. */
static bool croston_run(double alpha, const double *y, int n, double *z, double *p,
			double *sse, int *nres)
{
	int seen = 0, last = -1;
	*sse = 0;
	*nres = 0;
	for (int t = 0; t < n; t++) {
		if (seen > 0) {
			double e = y[t] - *z / *p;
			*sse += e * e;
			(*nres)++;
		}
		if (y[t] <= 0)
			continue;
		double q = t - last;
		last = t;
		if (seen++ == 0) {
			*z = y[t];
			*p = q;
		} else {
			*z += alpha * (y[t] - *z);
			*p += alpha * (q - *p);
		}
	}
	return seen >= 2;
}

/* TSB: the probability of a demand updated every period, its size on
 * demand periods; starts at the first demand's size and 1/its interval. */
static bool tsb_run(double alpha, double beta, const double *y, int n, double *z, double *p,
		    double *sse, int *nres)
{
	int first = -1, demands = 0;
	for (int t = 0; t < n; t++)
		if (y[t] > 0 && demands++ == 0)
			first = t;
	if (demands < 2)
		return false;
	*z = y[first];
	*p = 1.0 / (first + 1);
	*sse = 0;
	*nres = 0;
	for (int t = 0; t < n; t++) {
		double e = y[t] - *p * *z;
		*sse += e * e;
		(*nres)++;
		bool d = y[t] > 0;
		*p += beta * ((d ? 1 : 0) - *p);
		if (d)
			*z += alpha * (y[t] - *z);
	}
	return true;
}

/* TSB's smoothing constants by in-sample squared error over a small grid
 * (the literature's usual range; the method has no likelihood). */
static bool tsb_fit(const double *y, int n, struct fc_model *m)
{
	static const double alphas[] = { 0.05, 0.1, 0.2, 0.3 };
	static const double betas[] = { 0.01, 0.02, 0.05, 0.1, 0.2 };
	double best = HUGE_VAL;
	for (size_t i = 0; i < sizeof alphas / sizeof *alphas; i++)
		for (size_t j = 0; j < sizeof betas / sizeof *betas; j++) {
			double z, p, sse;
			int nres;
			if (!tsb_run(alphas[i], betas[j], y, n, &z, &p, &sse, &nres))
				return false;
			if (sse < best) {
				best = sse;
				m->alpha = alphas[i];
				m->beta = betas[j];
				m->sigma2 = sse / nres;
			}
		}
	return true;
}

/* --- fitting and forecasting -------------------------------------------- */

static const struct fc_ets_kind kind_ses = { 'A', 'N', 'N' }, kind_holt = { 'A', 'D', 'N' },
				kind_hw_add = { 'A', 'A', 'A' }, kind_hw_mul = { 'M', 'A', 'M' };

bool fc_fit(enum fc_method method, const double *y, int n, struct fc_model *out)
{
	struct fc_model m = { .method = method, .nobs = n, .phi = 1, .aicc = NAN, .loglik = NAN };
	double z, p, sse;
	int nres;
	bool ok;
	switch (method) {
	case FC_NAIVE:
		ok = n >= 2;
		break;
	case FC_SNAIVE:
		ok = n >= M + 1;
		break;
	case FC_SES:
	case FC_HOLT_DAMPED:
	case FC_HW_ADD:
	case FC_HW_MUL: {
		const struct fc_ets_kind *k = method == FC_SES	      ? &kind_ses
					      : method == FC_HOLT_DAMPED ? &kind_holt
					      : method == FC_HW_ADD	      ? &kind_hw_add
									      : &kind_hw_mul;
		ok = fc_fit_ets(k, y, n, &m);
		m.method = method;
		break;
	}
	case FC_ETS:
		ok = fc_fit_ets_auto(y, n, &m, NULL, NULL);
		break;
	case FC_CROSTON:
	case FC_SBA:
		m.alpha = CROSTON_ALPHA;
		ok = croston_run(m.alpha, y, n, &z, &p, &sse, &nres);
		break;
	case FC_TSB:
		ok = tsb_fit(y, n, &m);
		break;
	default:
		ok = false;
	}
	if (ok)
		*out = m;
	return ok;
}

static void fill(double *v, int h, double x)
{
	if (v)
		for (int i = 0; i < h; i++)
			v[i] = x;
}

/* Naive and seasonal naive: the last value (of the same weekday); the
 * residual variance of the random walk grows with the steps (seasons). */
static double predict_naive(bool seasonal, const double *y, int n, int h, double z, double *mean,
			    double *lo, double *hi)
{
	int lag = seasonal ? M : 1;
	double sse = 0;
	for (int t = lag; t < n; t++)
		sse += (y[t] - y[t - lag]) * (y[t] - y[t - lag]);
	double sigma = n > lag ? sqrt(sse / (n - lag)) : 0;
	for (int i = 0; i < h; i++) {
		mean[i] = seasonal ? y[n - M + i % M] : y[n - 1];
		if (lo) {
			double k = seasonal ? floor((double)i / M) + 1 : i + 1;
			lo[i] = mean[i] - z * sigma * sqrt(k);
			hi[i] = mean[i] + z * sigma * sqrt(k);
		}
	}
	return sigma;
}

/* Deterministic xorshift64* and Box-Muller: the simulated intervals are
 * the same on every run. */
static double rnd_unit(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return ((*s * 2685821657736338717ULL) >> 11) * (1.0 / 9007199254740992.0);
}

static double rnd_normal(uint64_t *s)
{
	double u = rnd_unit(s), v = rnd_unit(s);
	return sqrt(-2 * log(u > 0 ? u : 1e-300)) * cos(2 * M_PI * v);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Intervals of the members with a multiplicative season (class 3, no
 * closed form): quantiles of SIM_PATHS simulated futures, as R does. */
static void ets_simulate(const struct fc_model *m, const struct ets_state *x0, int n, int h,
			 double level, double *lo, double *hi)
{
	double *paths = malloc(sizeof(double) * (size_t)SIM_PATHS * h);
	if (!paths) {
		fill(lo, h, NAN);
		fill(hi, h, NAN);
		return;
	}
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	double sd = sqrt(m->sigma2), lb;
	for (int k = 0; k < SIM_PATHS; k++) {
		struct ets_state x = *x0;
		for (int i = 0; i < h; i++) {
			double f = ets_yhat(m, &x, n + i, &lb), e = sd * rnd_normal(&seed);
			paths[(size_t)i * SIM_PATHS + k] = m->kind.error == 'A' ? f + e : f * (1 + e);
			ets_update(m, &x, n + i, lb, e);
		}
	}
	for (int i = 0; i < h; i++) {
		double *v = paths + (size_t)i * SIM_PATHS;
		qsort(v, SIM_PATHS, sizeof *v, cmp_double);
		lo[i] = v[(int)floor((1 - level) / 2 * (SIM_PATHS - 1))];
		hi[i] = v[(int)ceil((1 + level) / 2 * (SIM_PATHS - 1))];
	}
	free(paths);
}

/* The linear members (additive error and season): the forecast variance is
 * sigma2 (1 + sum c_j^2), c_j the response of y(t+1+j) to the error at t+1
 * (Hyndman et al. 2008, class 1) - computed by running that one error
 * through the model's own recursions from a zero state. */
static void ets_linear_intervals(const struct fc_model *m, int n, int h, double z,
				 const double *mean, double *lo, double *hi)
{
	struct ets_state x;
	memset(&x, 0, sizeof x);
	double lb, var = m->sigma2;
	ets_yhat(m, &x, n, &lb);
	ets_update(m, &x, n, lb, 1);
	for (int i = 0; i < h; i++) {
		if (i > 0) {
			double c = ets_yhat(m, &x, n + i, &lb);
			var += m->sigma2 * c * c;
			ets_update(m, &x, n + i, lb, 0);
		}
		lo[i] = mean[i] - z * sqrt(var);
		hi[i] = mean[i] + z * sqrt(var);
	}
}

/* Multiplicative error without a multiplicative season (Hyndman et al.
 * 2008, class 2): with mu_h the point forecast and c_j the responses of the
 * model's additive-error twin, theta_1 = mu_1^2, theta_h = mu_h^2 +
 * sigma2 sum_{j<h} c_j^2 theta_{h-j}, and the variance is (1 + sigma2)
 * theta_h - mu_h^2; the interval is normal around mu_h, as R's. */
static void ets_class2_intervals(const struct fc_model *m, int n, int h, double z,
				 const double *mean, double *lo, double *hi)
{
	struct fc_model twin = *m;
	twin.kind.error = 'A';
	double *c = malloc(sizeof(double) * 2 * (size_t)h), lb;
	if (!c) {
		fill(lo, h, NAN);
		fill(hi, h, NAN);
		return;
	}
	double *theta = c + h;
	struct ets_state x;
	memset(&x, 0, sizeof x);
	ets_yhat(&twin, &x, n, &lb);
	ets_update(&twin, &x, n, lb, 1);
	for (int j = 1; j < h; j++) {
		c[j] = ets_yhat(&twin, &x, n + j, &lb);
		ets_update(&twin, &x, n + j, lb, 0);
	}
	for (int i = 0; i < h; i++) {
		theta[i] = mean[i] * mean[i];
		for (int j = 1; j <= i; j++)
			theta[i] += m->sigma2 * c[j] * c[j] * theta[i - j];
		double var = (1 + m->sigma2) * theta[i] - mean[i] * mean[i];
		lo[i] = mean[i] - z * sqrt(fmax(var, 0));
		hi[i] = mean[i] + z * sqrt(fmax(var, 0));
	}
	free(c);
}

static double predict_ets(const struct fc_model *m, const double *y, int n, int h, double level,
			  double *mean, double *lo, double *hi)
{
	struct ets_state x, xf;
	double sse_units = 0, lb;
	if (ets_filter(m, y, n, &x, &sse_units) >= HUGE_LIK) {
		fill(mean, h, NAN);
		fill(lo, h, NAN);
		fill(hi, h, NAN);
		return NAN;
	}
	xf = x;
	for (int i = 0; i < h; i++) {
		mean[i] = ets_yhat(m, &xf, n + i, &lb);
		ets_update(m, &xf, n + i, lb, 0);
	}
	if (lo) {
		double z = fc_norm_quantile((1 + level) / 2);
		if (m->kind.season == 'M')
			ets_simulate(m, &x, n, h, level, lo, hi);
		else if (m->kind.error == 'A')
			ets_linear_intervals(m, n, h, z, mean, lo, hi);
		else
			ets_class2_intervals(m, n, h, z, mean, lo, hi);
	}
	return n > 0 ? sqrt(sse_units / n) : 0;
}

double fc_predict(const struct fc_model *m, const double *y, int n, int h, double level,
		  double *mean, double *lo, double *hi)
{
	double z = fc_norm_quantile((1 + level) / 2), zs, p, sse;
	int nres;
	switch (m->method) {
	case FC_NAIVE:
	case FC_SNAIVE:
		return predict_naive(m->method == FC_SNAIVE, y, n, h, z, mean, lo, hi);
	case FC_CROSTON:
	case FC_SBA:
	case FC_TSB:
		fill(lo, h, NAN);
		fill(hi, h, NAN);
		if (!(m->method == FC_TSB ? tsb_run(m->alpha, m->beta, y, n, &zs, &p, &sse, &nres)
					  : croston_run(m->alpha, y, n, &zs, &p, &sse, &nres))) {
			fill(mean, h, NAN);
			return NAN;
		}
		fill(mean, h,
		     m->method == FC_TSB  ? p * zs
		     : m->method == FC_SBA ? (1 - m->alpha / 2) * zs / p
					   : zs / p);
		return nres > 0 ? sqrt(sse / nres) : 0;
	default:
		return predict_ets(m, y, n, h, level, mean, lo, hi);
	}
}
