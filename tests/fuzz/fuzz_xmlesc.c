/*
 * fuzz_xmlesc.c - the SPEC's escaping on any bytes: the output has no byte
 * XML cannot carry and no markup, and unescaping restores the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "weblog/xmlesc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *esc;
	size_t n, i;
	long back;

	if ((esc = malloc(TW_XML_ESCAPED_MAX(size) + 1)) == NULL)
		return 0;
	n = tw_xml_escape((const char *)data, size, esc);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)esc[i];

		if (c == '<' || c == '>' || c == '\r' || (c < 0x20 && c != '\t'))
			abort();
	}
	back = tw_xml_unescape(esc, n, esc);
	if (back != (long)size || memcmp(esc, data, size) != 0)
		abort();
	free(esc);
	return 0;
}
