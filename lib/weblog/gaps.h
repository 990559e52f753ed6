/*
 * gaps.h - the hits lost on the way through a Redis stream: a publisher
 * numbers the entries it appends (fields "epoch" and "n", redisfeed.h),
 * and a subscriber counts the numbers it never read.
 *
 * A publisher is known by its epoch (its server's, hub.h: a new one at
 * each start) and numbers its entries from 1, one for each hit it was
 * handed, published or not. The table keeps the last number read from
 * each of the TW_GAPS_PUBLISHERS publishers read most recently (a new one
 * takes the place of the one read least recently) and says, for each
 * entry, how many of its publisher's numbers were skipped since the last
 * one read: entries trimmed from the stream before they were read, or
 * never published. The first entry of a publisher it does not know (new,
 * restarted, or forgotten) only says where that publisher is; so does a
 * number at or below the last one (no publisher of ours writes one: two
 * sharing an epoch, or a hand-written entry), so nothing but a jump
 * forward is ever counted.
 *
 * A field's bytes are a number only when they are plain decimal (digits,
 * no sign, space or leading zero), not 0, and of at most
 * TW_GAPS_EPOCH_DIGITS or TW_GAPS_SEQ_DIGITS digits; an entry whose epoch
 * or n is not one has no sequence: its hit is served and nothing counted.
 * Fixed size, no allocation.
 */
#ifndef TWIRL_WEBLOG_GAPS_H
#define TWIRL_WEBLOG_GAPS_H

#include <stddef.h>

#define TW_GAPS_PUBLISHERS 16
#define TW_GAPS_EPOCH_DIGITS 19	/* below 10^19: fits 64 bits */
#define TW_GAPS_SEQ_DIGITS 15	/* below 10^15: 31 years at 1 MHz */

typedef struct tw_gaps {
	struct {
		unsigned long long epoch, last;
	} pub[TW_GAPS_PUBLISHERS];	/* the most recently read first */
	size_t n;			/* publishers known */
} tw_gaps;

void tw_gaps_init(tw_gaps *g);

/*
 * An entry's epoch and n fields, their bytes as sent: 1 and the numbers
 * in *epoch and *seq when both are numbers, else 0.
 */
int tw_gaps_parse(const char *e, size_t elen, const char *n, size_t nlen,
    unsigned long long *epoch, unsigned long long *seq);

/*
 * Entry seq of publisher epoch was read: how many of that publisher's
 * numbers before it were skipped since the last one read (0 for a
 * publisher not known).
 */
unsigned long long tw_gaps_note(tw_gaps *g, unsigned long long epoch,
    unsigned long long seq);

#endif
