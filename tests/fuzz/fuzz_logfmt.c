/*
 * fuzz_logfmt.c - any format string and any line through the log-format
 * compiler and matcher. The input is the format, a newline, then the line
 * (any bytes). The oracle:
 *
 *   - a refused format comes with a one-line reason; a compiled one is
 *     freed (so a leak shows);
 *   - a matched line's fields lie inside the line, the present mask is the
 *     format's own (or its Common prefix), each of the nine fields passes
 *     its check, and tw_logfmt_format() gives back the line byte for byte,
 *     reporting the same length when out is too small and writing nothing;
 *   - the "combined" preset, weblog-serve's default, takes the line only
 *     as Common or Combined (seven or nine fields, no extras), each field
 *     keeping to its rules (tests/unit/clf_lines.h), and gives it back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/clf_lines.h"
#include "weblog/logfmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
digits(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return n > 0;
}

/* Every field of r inside line, checked, and the line rebuilt from r. */
static void
check_match(const tw_logfmt *f, const tw_logrec *r, const char *line,
    size_t len)
{
	char *back;
	long n;
	int i;

	if ((r->present & ~tw_logfmt_fields(f)) != 0 || r->nextra < 0 ||
	    r->nextra > tw_logfmt_nextra(f))
		abort();
	for (i = 0; i < TW_LOGREC_SLOTS; i++) {
		if (i < TW_CLF_NFIELDS ? !(r->present & TW_LOGFMT_BIT(i)) :
		    i - TW_CLF_NFIELDS >= r->nextra)
			continue;
		if (r->val[i] < line || r->len[i] > len ||
		    r->val[i] + r->len[i] > line + len)
			abort();
	}
	for (i = TW_CLF_CLIENT; i <= TW_CLF_USER; i++)
		if ((r->present & TW_LOGFMT_BIT(i)) && r->len[i] == 0)
			abort();
	if ((r->present & TW_LOGFMT_BIT(TW_CLF_STATUS)) &&
	    !digits(r->val[TW_CLF_STATUS], r->len[TW_CLF_STATUS]))
		abort();
	if ((r->present & TW_LOGFMT_BIT(TW_CLF_BYTES)) &&
	    !digits(r->val[TW_CLF_BYTES], r->len[TW_CLF_BYTES]) &&
	    !(r->len[TW_CLF_BYTES] == 1 && r->val[TW_CLF_BYTES][0] == '-'))
		abort();

	if ((back = malloc(len + 1)) == NULL)
		abort();
	if (len > 0) {
		back[0] = (char)~line[0];
		if (tw_logfmt_format(f, r, back, len - 1) != (long)len ||
		    back[0] != (char)~line[0])
			abort();
	}
	n = tw_logfmt_format(f, r, back, len + 1);
	if (n != (long)len || memcmp(back, line, len) != 0)
		abort();
	free(back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static tw_logfmt *combined;
	const char *nl, *line;
	char err[256], *format;
	size_t flen, len;
	tw_logfmt *f;
	tw_logrec r;
	int i;

	if (size > 1 << 16)
		return 0;
	if (combined == NULL &&
	    (combined = tw_logfmt_compile("combined", err, sizeof(err))) == NULL)
		abort();
	nl = memchr(data, '\n', size);
	flen = nl != NULL ? (size_t)(nl - (const char *)data) : size;
	line = nl != NULL ? nl + 1 : (const char *)data + size;
	len = size - (size_t)(line - (const char *)data);
	if ((format = malloc(flen + 1)) == NULL)
		abort();
	memcpy(format, data, flen);
	format[flen] = '\0';

	if ((f = tw_logfmt_compile(format, err, sizeof(err))) == NULL) {
		if (err[0] == '\0' || memchr(err, '\n', strlen(err)) != NULL)
			abort();
	} else {
		if (strcmp(tw_logfmt_text(f), format) != 0)
			abort();
		if (tw_logfmt_parse(f, &r, line, len))
			check_match(f, &r, line, len);
		tw_logfmt_free(f);
	}
	free(format);

	/* The preset is strict Common and Combined. */
	if (tw_logfmt_parse(combined, &r, line, len)) {
		if ((r.present != 0x7f && r.present != 0x1ff) || r.nextra != 0)
			abort();
		for (i = 0; i < TW_CLF_NFIELDS; i++)
			if ((r.present & TW_LOGFMT_BIT(i)) &&
			    !clf_field_ok(i, r.val[i], r.len[i]))
				abort();
		check_match(combined, &r, line, len);
	}
	return 0;
}
