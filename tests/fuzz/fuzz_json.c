/*
 * fuzz_json.c - a log line (any bytes) as a JSON object, as weblog-serve's
 * /hits and /hits.ndjson give it by default: split by the compiled
 * "combined" preset (logfmt.h), written by tw_json_rec(); read back by a
 * JSON reader written here, without the library:
 *
 *   - the output fits in TW_JSON_REC_MAX (the buffer is exactly that big,
 *     so AddressSanitizer sees an overrun), is valid UTF-8 and holds no
 *     raw control byte;
 *   - it is one object whose keys are the CLF field names in order (the
 *     7 or 9 the preset found) or "line", and each string, unescaped, is
 *     its field with every byte that is not valid UTF-8 written \xHH; status
 *     and bytes are numbers when they are digits (bytes "-" is 0); a "ts"
 *     after the time holds the time's own digits, in ISO 8601's order.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weblog/json.h"
#include "weblog/logfmt.h"
#include "weblog/xmlesc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char hex[] = "0123456789ABCDEF";

/* What the string should read as: s with invalid bytes as \xHH. */
static size_t
expected(const char *s, size_t len, char *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0, n;

	while (i < len) {
		if ((n = tw_utf8_len(p + i, len - i)) == 0) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[p[i] >> 4];
			out[o++] = hex[p[i] & 15];
			i++;
		} else {
			memcpy(out + o, s + i, n);
			o += n;
			i += n;
		}
	}
	return o;
}

static int
hexval(char c)
{
	const char *h = strchr(hex, c);

	return c != '\0' && h != NULL ? (int)(h - hex) : -1;
}

/*
 * Read the JSON string at j[*at] (its opening quote) into out, leaving *at
 * past its closing quote. Returns its length; aborts if it is malformed.
 * The encoder writes \u only for bytes below 0x20.
 */
static size_t
string(const char *j, size_t n, size_t *at, char *out)
{
	size_t i = *at, o = 0;
	int h, l;

	if (i >= n || j[i++] != '"')
		abort();
	for (;;) {
		if (i >= n)
			abort();
		if (j[i] == '"')
			break;
		if (j[i] != '\\') {
			out[o++] = j[i++];
			continue;
		}
		if (++i >= n)
			abort();
		switch (j[i++]) {
		case '"': out[o++] = '"'; break;
		case '\\': out[o++] = '\\'; break;
		case 'b': out[o++] = '\b'; break;
		case 'f': out[o++] = '\f'; break;
		case 'n': out[o++] = '\n'; break;
		case 'r': out[o++] = '\r'; break;
		case 't': out[o++] = '\t'; break;
		case 'u':
			if (i + 4 > n || j[i] != '0' || j[i + 1] != '0' ||
			    (h = hexval(j[i + 2])) < 0 || h > 1 ||
			    (l = hexval(j[i + 3])) < 0)
				abort();
			out[o++] = (char)(h << 4 | l);
			i += 4;
			break;
		default:
			abort();
		}
	}
	*at = i + 1;
	return o;
}

/* "key":"value" at j[*at] must be key and value[0..len) once read back. */
static void
member(const char *j, size_t n, size_t *at, const char *key,
    const char *value, size_t len, char *a, char *b)
{
	size_t got, want;

	got = string(j, n, at, a);
	if (got != strlen(key) || memcmp(a, key, got) != 0)
		abort();
	if (*at >= n || j[(*at)++] != ':')
		abort();
	got = string(j, n, at, a);
	want = expected(value, len, b);
	if (got != want || memcmp(a, b, got) != 0)
		abort();
}

/* A number at j[*at]: value's digits without leading zeros. */
static int
number(const char *j, size_t n, size_t *at, const char *value, size_t len)
{
	size_t i;

	if (len == 1 && value[0] == '-')
		value = "0";
	else if (len == 0 || len > 18)
		return 0;
	for (i = 0; i < len; i++)
		if (value[i] < '0' || value[i] > '9')
			return 0;
	while (len > 1 && value[0] == '0')
		value++, len--;
	if (*at + len > n || memcmp(j + *at, value, len) != 0)
		abort();
	*at += len;
	return 1;
}

/* "key":number, or "key":"value" when value is no number. */
static void
member_or_number(const char *j, size_t n, size_t *at, const char *key,
    const char *value, size_t len, char *a, char *b)
{
	size_t start = *at, got;

	got = string(j, n, at, a);
	if (got != strlen(key) || memcmp(a, key, got) != 0)
		abort();
	if (*at >= n || j[(*at)++] != ':')
		abort();
	if (j[*at] == '"') {
		*at = start;
		member(j, n, at, key, value, len, a, b);
	} else if (!number(j, n, at, value, len)) {
		abort();
	}
}

/* ,"ts":"YYYY-MM-DDTHH:MM:SS+HH:MM" after the time t, if there is one. */
static void
ts(const char *j, size_t n, size_t *at, const char *t, size_t len)
{
	static const char key[] = ",\"ts\":\"";
	const char *v;

	if (*at + 7 + 26 > n || memcmp(j + *at, key, 7) != 0)
		return;
	v = j + *at + 7;
	if (len != 26 || memcmp(v, t + 7, 4) != 0 || v[4] != '-' ||
	    v[7] != '-' || memcmp(v + 8, t, 2) != 0 || v[10] != 'T' ||
	    memcmp(v + 11, t + 12, 8) != 0 || v[19] != t[21] ||
	    memcmp(v + 20, t + 22, 2) != 0 || v[22] != ':' ||
	    memcmp(v + 23, t + 24, 2) != 0 || v[25] != '"')
		abort();
	*at += 7 + 26;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static tw_logfmt *combined;
	const char *line = (const char *)data;
	char *out, *a, *b;
	size_t n, i, at = 0, len, max;
	tw_logrec r;
	int ok, first = 1;

	if (combined == NULL &&
	    (combined = tw_logfmt_compile("combined", NULL, 0)) == NULL)
		abort();
	max = TW_JSON_REC_MAX(size, strlen(tw_logfmt_text(combined)), 0);
	out = malloc(max);
	a = malloc(max);	/* what any output reads back to */
	b = malloc(4 * size + 1);
	if (out == NULL || a == NULL || b == NULL)
		abort();
	ok = tw_logfmt_parse(combined, &r, line, size);
	n = tw_json_rec(combined, ok ? &r : NULL, line, size, NULL, 0, out);
	if (n > max)
		abort();
	for (i = 0; i < n; i += len) {
		if ((unsigned char)out[i] < 0x20 ||
		    (len = tw_utf8_len((const unsigned char *)out + i,
		    n - i)) == 0)
			abort();
	}
	if (n < 2 || out[at++] != '{' || out[n - 1] != '}')
		abort();
	if (!ok) {
		member(out, n, &at, "line", line, size, a, b);
	} else {
		if ((r.present != 0x7f && r.present != 0x1ff) || r.nextra != 0)
			abort();
		for (i = 0; i < TW_CLF_NFIELDS; i++) {
			if (!(r.present & TW_LOGFMT_BIT(i)))
				continue;
			if (!first && out[at++] != ',')
				abort();
			first = 0;
			if (i == TW_CLF_STATUS || i == TW_CLF_BYTES)
				member_or_number(out, n, &at, tw_clf_names[i],
				    r.val[i], r.len[i], a, b);
			else
				member(out, n, &at, tw_clf_names[i], r.val[i],
				    r.len[i], a, b);
			if (i == TW_CLF_TIME)
				ts(out, n, &at, r.val[i], r.len[i]);
		}
	}
	if (at != n - 1)
		abort();
	free(out);
	free(a);
	free(b);
	return 0;
}
