/*
 * loggen - append realistic access-log lines to a file, for the demo, the
 * dashboard's tests and screenshots.
 *
 *   loggen [-r RATE] [-n COUNT] [-s SEED] FILE
 *
 * Writes Combined Log Format lines (as nginx and Apache write them by
 * default) to FILE, appending, RATE lines per second (default 20; 0: as
 * fast as it can), COUNT lines in all (default: until killed). Clients,
 * paths, statuses, referrers and agents are drawn from weighted pools, so
 * the dashboard's top lists and status counts look like a real site's; a
 * path now and then carries UTF-8 as nginx logs it (\xHH). The time is
 * now. Each line is one write(2), so a reader never sees half of one.
 *
 * A tool, not a server: it sleeps between lines.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct pick {
	const char *s;
	int weight;
};

static const struct pick paths[] = {
	{ "/", 30 }, { "/index.html", 8 }, { "/about", 4 },
	{ "/blog/2026/11/twisted-in-c", 9 }, { "/blog/feed.xml", 6 },
	{ "/static/app.css", 14 }, { "/static/app.js", 14 },
	{ "/static/logo.png", 10 }, { "/favicon.ico", 7 },
	{ "/api/v1/items?page=2", 6 }, { "/api/v1/items/42", 5 },
	{ "/search?q=caf\\xC3\\xA9", 2 }, { "/wp-login.php", 2 },
	{ "/docs/reactor", 4 }, { "/docs/deferreds", 3 },
	{ "/downloads/twirl-1.0.tar.gz", 2 }, { "/robots.txt", 2 },
};

static const struct pick methods[] = {
	{ "GET", 90 }, { "POST", 6 }, { "HEAD", 3 }, { "PUT", 1 },
};

static const struct pick statuses[] = {
	{ "200", 78 }, { "304", 9 }, { "301", 3 }, { "404", 6 }, { "403", 1 },
	{ "500", 1 }, { "502", 1 }, { "503", 1 },
};

static const struct pick referrers[] = {
	{ "-", 50 }, { "https://www.google.com/", 20 },
	{ "https://news.ycombinator.com/", 8 }, { "https://example.org/", 8 },
	{ "https://duckduckgo.com/", 6 }, { "https://twirl.example/blog/", 8 },
};

static const struct pick agents[] = {
	{ "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like "
	  "Gecko) Chrome/131.0 Safari/537.36", 35 },
	{ "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 "
	  "(KHTML, like Gecko) Version/18.1 Safari/605.1.15", 20 },
	{ "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 "
	  "Firefox/133.0", 20 },
	{ "curl/8.11.0", 8 },
	{ "Mozilla/5.0 (compatible; Googlebot/2.1; "
	  "+http://www.google.com/bot.html)", 10 },
	{ "python-requests/2.32.3", 7 },
};

static unsigned long long state = 88172645463325252ULL;

static unsigned long long
next(void)
{
	state ^= state << 13;	/* xorshift64: reproducible with -s */
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

static const char *
pick(const struct pick *p, size_t n)
{
	int total = 0, r;
	size_t i;

	for (i = 0; i < n; i++)
		total += p[i].weight;
	r = (int)(next() % (unsigned long long)total);
	for (i = 0; i < n; i++) {
		if (r < p[i].weight)
			return p[i].s;
		r -= p[i].weight;
	}
	return p[0].s;
}

#define PICK(a) pick((a), sizeof(a) / sizeof((a)[0]))

static void
usage(void)
{
	fprintf(stderr, "usage: loggen [-r RATE] [-n COUNT] [-s SEED] FILE\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	double rate = 20;
	long long count = -1, i;
	char line[1024], when[64], client[32];
	struct timespec start, now;
	int ch, fd;

	while ((ch = getopt(argc, argv, "n:r:s:")) != -1) {
		switch (ch) {
		case 'n':
			count = atoll(optarg);
			break;
		case 'r':
			rate = atof(optarg);
			break;
		case 's':
			state = strtoull(optarg, NULL, 10) | 1;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1 || rate < 0)
		usage();
	if ((fd = open(argv[optind], O_WRONLY | O_APPEND | O_CREAT, 0644)) == -1) {
		fprintf(stderr, "loggen: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (i = 0; count < 0 || i < count; i++) {
		time_t t = time(NULL);
		struct tm tm;
		unsigned long long r = next();
		int n;

		localtime_r(&t, &tm);
		strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S %z", &tm);
		/* A few busy clients and a long tail, as real traffic has. */
		if (r % 4 == 0)
			snprintf(client, sizeof(client), "203.0.113.%llu",
			    r / 4 % 8 + 1);
		else
			snprintf(client, sizeof(client), "%llu.%llu.%llu.%llu",
			    r / 4 % 223 + 1, r / 1024 % 256, r / 262144 % 256,
			    r / 67108864 % 254 + 1);
		n = snprintf(line, sizeof(line),
		    "%s - - [%s] \"%s %s HTTP/1.1\" %s %llu \"%s\" \"%s\"\n",
		    client, when, PICK(methods), PICK(paths), PICK(statuses),
		    next() % 50000 + 200, PICK(referrers), PICK(agents));
		if (write(fd, line, (size_t)n) != n) {
			fprintf(stderr, "loggen: %s: %s\n", argv[optind],
			    strerror(errno));
			return 1;
		}
		if (rate > 0) {
			/* Keep the average rate: sleep until line i+1 is due. */
			double due = (double)(i + 1) / rate, elapsed;
			struct timespec ts;

			clock_gettime(CLOCK_MONOTONIC, &now);
			elapsed = (double)(now.tv_sec - start.tv_sec) +
			    (double)(now.tv_nsec - start.tv_nsec) / 1e9;
			if (due > elapsed) {
				ts.tv_sec = (time_t)(due - elapsed);
				ts.tv_nsec = (long)((due - elapsed -
				    (double)ts.tv_sec) * 1e9);
				nanosleep(&ts, NULL);
			}
		}
	}
	return 0;
}
