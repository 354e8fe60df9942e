/*
 * gen_retail - deterministic scale-up of the Online Retail sample.
 *
 *   gen_retail SAMPLE.csv LINES [SEED] > out.csv
 *
 * Reads the real sample (the R export: `;` separated, index columns
 * X.1;X first, fields optionally quoted; a `,` separated file with the
 * plain UCI header works too) and writes a header plus LINES data lines
 * in the original UCI layout:
 *
 *   InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
 *
 * `,` separated, LF line ends, RFC 4180 quoting of fields holding `,`, `"`
 * or a line break.  Each data line is a sample row drawn with a seeded
 * splitmix64; StockCode, Description, Quantity and UnitPrice are copied from
 * it verbatim (zero prices, empty descriptions, POST/DOT codes included).
 * Lines are grouped into invoices as in the real dataset: invoice sizes
 * 1..40 (geometric, capped at 40, mean ~20.1), invoice numbers increasing
 * from 536365, ~2% cancellations ("C" prefix, negative quantities), one
 * customer and country per invoice (taken together from a sample row that
 * has a customer, or the sample's NA token for ~25% of invoices) and one
 * InvoiceDate per invoice.  Dates advance minute by minute through the
 * trading hours (08:00-19:59, no Saturdays) of 12/1/2010..12/9/2011 and
 * alternate by invoice between the two spellings the sample mixes:
 * "12/06/2010 10:08" and "2/20/11 11:39".
 *
 * Same arguments, same bytes.  Output is streamed; only the sample is held
 * in memory.  C11 + libc only.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIRST_INVOICE 536365u
#define MAX_INVOICE_LINES 40
/* Invoice size: 1 + number of successes, continuing with probability 0.96,
 * capped at 40: mean (1 - 0.96^40) / 0.04 = 20.1. */
#define SIZE_CONTINUE_PPM 960000u
#define CANCEL_PPM 20000u /* 2% of invoices are cancellations */
#define NA_PPM 250000u    /* 25% of invoices have no customer */
#define DAY_MINUTES 720u  /* trading hours 08:00..19:59 */
#define DAY_START_HOUR 8

static const char *prog = "gen_retail";

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static void usage(void)
{
    fprintf(stderr,
            "usage: %s SAMPLE.csv LINES [SEED] > out.csv\n"
            "  SAMPLE.csv  the Online Retail sample (`;` or `,` separated)\n"
            "  LINES       number of data lines to write (decimal, >= 0)\n"
            "  SEED        PRNG seed (decimal, default 1)\n",
            prog);
    exit(2);
}

/* ---- PRNG: splitmix64 ---------------------------------------------------- */

static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Uniform in [0, n) for n < 2^32 (multiply-shift, bias < 2^-32). */
static uint32_t below(uint64_t *s, uint32_t n)
{
    return (uint32_t)(((next_u64(s) >> 32) * (uint64_t)n) >> 32);
}

static int chance_ppm(uint64_t *s, uint32_t ppm)
{
    return below(s, 1000000u) < ppm;
}

static unsigned invoice_size(uint64_t *s)
{
    unsigned k = 1;
    while (k < MAX_INVOICE_LINES && chance_ppm(s, SIZE_CONTINUE_PPM))
        k++;
    return k;
}

/* ---- numbers ------------------------------------------------------------- */

static int parse_u64(const char *p, uint64_t *out)
{
    uint64_t v = 0;
    if (*p == '\0')
        return -1;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* ---- sample -------------------------------------------------------------- */

enum { C_STOCK, C_DESC, C_QTY, C_PRICE, C_CUST, C_COUNTRY, C_NCOLS };
static const char *const col_names[C_NCOLS] = {
    "StockCode", "Description", "Quantity", "UnitPrice", "CustomerID", "Country",
};

struct item {            /* one sample row, pre-rendered for output */
    char *stock_desc;    /* `StockCode,Description` (CSV-quoted as needed) */
    size_t stock_desc_len;
    char *price;         /* UnitPrice (CSV-quoted as needed) */
    size_t price_len;
    long long qty;
};

struct party {           /* customer + country of one sample row */
    char *text;          /* `CustomerID,Country` (CSV-quoted as needed) */
    size_t len;
};

static struct item *items;
static size_t n_items;
static struct party *customers, *anonymous; /* rows with / without a customer */
static size_t n_customers, n_anonymous;

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        die("%s", "out of memory");
    return q;
}

static int needs_quotes(const char *s)
{
    return strpbrk(s, ",\"\r\n") != NULL;
}

/* Append s to buf (CSV-quoted if needed); returns the new length. */
static size_t put_field(char *buf, size_t len, const char *s)
{
    if (!needs_quotes(s)) {
        size_t n = strlen(s);
        memcpy(buf + len, s, n);
        return len + n;
    }
    buf[len++] = '"';
    for (; *s; s++) {
        if (*s == '"')
            buf[len++] = '"';
        buf[len++] = *s;
    }
    buf[len++] = '"';
    return len;
}

/* Worst case of put_field: every byte a quote, plus the two outer quotes. */
static size_t field_cap(const char *s)
{
    return 2 * strlen(s) + 2;
}

static char *render(const char *a, const char *b, size_t *len)
{
    size_t cap = field_cap(a) + (b ? 1 + field_cap(b) : 0) + 1;
    char *buf = xrealloc(NULL, cap);
    size_t n = put_field(buf, 0, a);
    if (b) {
        buf[n++] = ',';
        n = put_field(buf, n, b);
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/*
 * Split the next record of buf[*pos..len) in place: fields are unquoted and
 * NUL-terminated inside buf (buf must have one spare byte at buf[len]).
 * Returns the field count, 0 for a blank line, -1 at end of input and -2 for
 * an unterminated quote.
 */
static int next_record(char *buf, size_t len, size_t *pos, char sep,
                       char **fields, int max_fields, unsigned long *line)
{
    size_t p = *pos;
    int n = 0;
    if (p >= len)
        return -1;
    (*line)++;
    for (;;) {
        size_t dst = p;
        char *start = buf + p;
        if (p < len && buf[p] == '"') {
            p++;
            for (;;) {
                if (p >= len)
                    return -2;
                if (buf[p] == '"') {
                    if (p + 1 < len && buf[p + 1] == '"') {
                        buf[dst++] = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                if (buf[p] == '\n')
                    (*line)++;
                buf[dst++] = buf[p++];
            }
        }
        /* unquoted text, or stray text after a closing quote: keep it */
        while (p < len && buf[p] != sep && buf[p] != '\n')
            buf[dst++] = buf[p++];
        int at_end = (p >= len || buf[p] == '\n');
        if (at_end && dst > (size_t)(start - buf) && buf[dst - 1] == '\r')
            dst--;
        buf[dst] = '\0'; /* dst <= p: never overwrites unread input */
        if (n < max_fields)
            fields[n] = start;
        n++;
        p++; /* past the separator or newline (or to len + 1 at EOF) */
        if (at_end)
            break;
    }
    *pos = p;
    if (n == 1 && fields[0][0] == '\0')
        return 0;
    return n;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open sample %s: %s\n", prog, path, strerror(errno));
        exit(1);
    }
    size_t cap = 1 << 20, n = 0;
    char *buf = xrealloc(NULL, cap);
    for (;;) {
        if (cap - n < 2) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        fprintf(stderr, "%s: cannot read sample %s: %s\n", prog, path, strerror(errno));
        exit(1);
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int is_na(const char *s)
{
    return s[0] == '\0' || strcmp(s, "NA") == 0;
}

#define MAX_FIELDS 64

static void load_sample(const char *path)
{
    size_t len, pos = 0;
    char *buf = read_file(path, &len);
    char *f[MAX_FIELDS];
    int idx[C_NCOLS];
    unsigned long line = 0;
    int n;

    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    size_t eol = pos;
    while (eol < len && buf[eol] != '\n')
        eol++;
    /* the R export uses `;`; the UCI original uses `,` */
    char sep = memchr(buf + pos, ';', eol - pos) ? ';' : ',';

    do
        n = next_record(buf, len, &pos, sep, f, MAX_FIELDS, &line);
    while (n == 0);
    if (n < 0)
        die("sample %s has no header line", path);
    if (n > MAX_FIELDS)
        n = MAX_FIELDS;
    for (int c = 0; c < C_NCOLS; c++) {
        idx[c] = -1;
        for (int i = 0; i < n; i++)
            if (strcmp(f[i], col_names[c]) == 0)
                idx[c] = i;
        if (idx[c] < 0) {
            fprintf(stderr, "%s: sample %s: no %s column in the header\n", prog, path,
                    col_names[c]);
            exit(1);
        }
    }
    int need = 0;
    for (int c = 0; c < C_NCOLS; c++)
        if (idx[c] + 1 > need)
            need = idx[c] + 1;

    size_t cap_items = 0, cap_cust = 0, cap_anon = 0;
    for (;;) {
        unsigned long at = line + 1;
        n = next_record(buf, len, &pos, sep, f, MAX_FIELDS, &line);
        if (n == -1)
            break;
        if (n == 0)
            continue;
        if (n == -2) {
            fprintf(stderr, "%s: sample %s: line %lu: unterminated quote\n", prog, path, at);
            exit(1);
        }
        if (n < need) {
            fprintf(stderr, "%s: sample %s: line %lu: %d fields, expected at least %d\n",
                    prog, path, at, n, need);
            exit(1);
        }
        const char *q = f[idx[C_QTY]];
        char *end;
        errno = 0;
        long long qty = strtoll(q, &end, 10);
        if (end == q || *end != '\0' || errno) {
            fprintf(stderr, "%s: sample %s: line %lu: bad Quantity \"%s\"\n", prog, path, at,
                    q);
            exit(1);
        }

        if (n_items == cap_items) {
            cap_items = cap_items ? 2 * cap_items : 4096;
            items = xrealloc(items, cap_items * sizeof *items);
        }
        struct item *it = &items[n_items++];
        it->stock_desc = render(f[idx[C_STOCK]], f[idx[C_DESC]], &it->stock_desc_len);
        it->price = render(f[idx[C_PRICE]], NULL, &it->price_len);
        it->qty = qty;

        struct party pa;
        pa.text = render(f[idx[C_CUST]], f[idx[C_COUNTRY]], &pa.len);
        if (is_na(f[idx[C_CUST]])) {
            if (n_anonymous == cap_anon) {
                cap_anon = cap_anon ? 2 * cap_anon : 1024;
                anonymous = xrealloc(anonymous, cap_anon * sizeof *anonymous);
            }
            anonymous[n_anonymous++] = pa;
        } else {
            if (n_customers == cap_cust) {
                cap_cust = cap_cust ? 2 * cap_cust : 1024;
                customers = xrealloc(customers, cap_cust * sizeof *customers);
            }
            customers[n_customers++] = pa;
        }
    }
    if (n_items == 0)
        die("sample %s has no data lines", path);
    if (n_items >= UINT32_MAX)
        die("sample %s has too many lines", path);
    free(buf);
}

/* ---- calendar ------------------------------------------------------------ */

struct day {
    unsigned char month, mday;
    unsigned short year;
};
static struct day days[400];
static unsigned n_days;

/* Trading days from Wed 12/1/2010 to Fri 12/9/2011, Saturdays skipped. */
static void build_calendar(void)
{
    static const unsigned char mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    unsigned y = 2010, m = 12, d = 1, wday = 3; /* 0 = Sunday */
    for (;;) {
        if (wday != 6)
            days[n_days++] = (struct day){(unsigned char)m, (unsigned char)d, (unsigned short)y};
        if (y == 2011 && m == 12 && d == 9)
            break;
        wday = (wday + 1) % 7;
        unsigned dim = mdays[m - 1] + (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
        if (++d > dim) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
}

/* ---- output -------------------------------------------------------------- */

static char obuf[1 << 20];
static size_t olen;

static void flush_out(void)
{
    if (olen && fwrite(obuf, 1, olen, stdout) != olen)
        die("write error: %s", strerror(errno));
    olen = 0;
}

static void out(const char *s, size_t n)
{
    if (n > sizeof obuf - olen) {
        flush_out();
        if (n > sizeof obuf) {
            if (fwrite(s, 1, n, stdout) != n)
                die("write error: %s", strerror(errno));
            return;
        }
    }
    memcpy(obuf + olen, s, n);
    olen += n;
}

/* ---- main ---------------------------------------------------------------- */

int main(int argc, char **argv)
{
    uint64_t lines, seed = 1;

    if (argc < 3 || argc > 4)
        usage();
    if (parse_u64(argv[2], &lines) != 0) {
        fprintf(stderr, "%s: LINES must be a decimal integer >= 0, got \"%s\"\n", prog, argv[2]);
        usage();
    }
    if (argc == 4 && parse_u64(argv[3], &seed) != 0) {
        fprintf(stderr, "%s: SEED must be a decimal integer >= 0, got \"%s\"\n", prog, argv[3]);
        usage();
    }

    load_sample(argv[1]);
    build_calendar();

    /* Independent streams: invoice sizes (walked twice), everything else. */
    uint64_t size_seed = seed ^ UINT64_C(0x5A17E5B1A5ED0001);
    uint64_t rng = seed ^ UINT64_C(0x0D0C0FFEE0DDF00D);

    /* Pass 1: count invoices so dates can be spread over the whole year. */
    uint64_t n_invoices = 0;
    {
        uint64_t s = size_seed, left = lines;
        while (left) {
            unsigned k = invoice_size(&s);
            left -= k < left ? k : left;
            n_invoices++;
        }
    }
    const uint64_t total_minutes = (uint64_t)n_days * DAY_MINUTES;

    static const char header[] =
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n";
    out(header, sizeof header - 1);

    uint64_t size_rng = size_seed, left = lines;
    for (uint64_t inv = 0; left; inv++) {
        unsigned k = invoice_size(&size_rng);
        if (k > left)
            k = (unsigned)left;
        left -= k;

        int cancel = chance_ppm(&rng, CANCEL_PPM);
        const struct party *pa;
        if (n_anonymous && (n_customers == 0 || chance_ppm(&rng, NA_PPM)))
            pa = &anonymous[below(&rng, (uint32_t)n_anonymous)];
        else
            pa = &customers[below(&rng, (uint32_t)n_customers)];

        /* invoice i of N lands in minute slot [i*T/N, (i+1)*T/N): monotone */
        uint64_t lo = inv * total_minutes / n_invoices;
        uint64_t hi = (inv + 1) * total_minutes / n_invoices;
        uint64_t minute = lo + (hi > lo ? below(&rng, (uint32_t)(hi - lo)) : 0);
        const struct day *dy = &days[minute / DAY_MINUTES];
        unsigned hh = DAY_START_HOUR + (unsigned)(minute % DAY_MINUTES) / 60;
        unsigned mm = (unsigned)(minute % 60);

        char head[32], date[48];
        int head_len = snprintf(head, sizeof head, "%s%" PRIu64 ",", cancel ? "C" : "",
                                FIRST_INVOICE + inv);
        int date_len;
        if (inv % 2 == 0)
            date_len = snprintf(date, sizeof date, ",%02u/%02u/%04u %02u:%02u,", dy->month,
                                dy->mday, dy->year, hh, mm);
        else
            date_len = snprintf(date, sizeof date, ",%u/%u/%02u %u:%02u,", dy->month, dy->mday,
                                dy->year % 100u, hh, mm);

        for (unsigned j = 0; j < k; j++) {
            const struct item *it = &items[below(&rng, (uint32_t)n_items)];
            long long q = it->qty;
            if (cancel && q > 0)
                q = -q;
            char qbuf[24];
            int qlen = snprintf(qbuf, sizeof qbuf, ",%lld", q);

            out(head, (size_t)head_len);
            out(it->stock_desc, it->stock_desc_len);
            out(qbuf, (size_t)qlen);
            out(date, (size_t)date_len);
            out(it->price, it->price_len);
            out(",", 1);
            out(pa->text, pa->len);
            out("\n", 1);
        }
    }
    flush_out();
    if (fflush(stdout) != 0 || ferror(stdout))
        die("write error: %s", strerror(errno));
    return 0;
}
