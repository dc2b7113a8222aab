/* Unit tests of the user-agent rules (spec/events.md §8.2). */
#include <string.h>

#include "unit.h"
#include "../../krenalisd/useragent.h"

struct ua_case {
	const char	*ua;
	const char	*browser;
	const char	*browser_version;	/* "" for none */
	const char	*os;
	const char	*os_version;
};

/* The examples of §8.2, then more real user agents. */
static const struct ua_case ua_cases[] = {
	{ "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
	  "(KHTML, like Gecko) Chrome/117.0.0.0 Safari/537.36",
	  "Chrome", "117.0.0", "Windows", "10.0.0" },
	{ "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
	  "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 "
	  "Edg/120.0.2210.91",
	  "Edge", "120.0.2210", "Windows", "10.0.0" },
	{ "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
	  "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 OPR/106.0.0.0",
	  "Opera", "106.0.0", "Windows", "10.0.0" },
	{ "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) "
	  "Gecko/20100101 Firefox/121.0",
	  "Firefox", "121.0.0", "Windows", "10.0.0" },
	{ "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) "
	  "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2.1 "
	  "Safari/605.1.15",
	  "Safari", "17.2.1", "macOS", "10.15.7" },
	{ "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) "
	  "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 "
	  "Mobile/15E148 Safari/604.1",
	  "Safari", "17.1.2", "iOS", "17.1.2" },
	{ "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 "
	  "(KHTML, like Gecko) CriOS/119.0.6045.169 Mobile/15E148 "
	  "Safari/604.1",
	  "Chrome", "119.0.6045", "iOS", "16.6.0" },
	{ "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like "
	  "Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
	  "Chrome", "120.0.0", "Android", "10.0.0" },
	{ "Mozilla/5.0 (Linux; Android 13; SM-S901B) AppleWebKit/537.36 "
	  "(KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile "
	  "Safari/537.36",
	  "Samsung Internet", "23.0.0", "Android", "13.0.0" },
	{ "Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 "
	  "Firefox/121.0",
	  "Firefox", "121.0.0", "Android", "14.0.0" },
	{ "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 "
	  "Firefox/132.0",
	  "Firefox", "132.0.0", "Linux", "" },
	{ "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 "
	  "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
	  "Chrome", "120.0.0", "Chrome OS", "" },
	{ "Mozilla/5.0 (compatible; Googlebot/2.1; "
	  "+http://www.google.com/bot.html)",
	  "Other", "", "Other", "" },
	{ "curl/8.4.0", "Other", "", "Other", "" },

	/* Edge on iOS and Android, and EdgeHTML. */
	{ "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) "
	  "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 "
	  "EdgiOS/120.0.2210.126 Mobile/15E148 Safari/605.1.15",
	  "Edge", "120.0.2210", "iOS", "17.2.0" },
	{ "Mozilla/5.0 (Linux; Android 10; HD1913) AppleWebKit/537.36 (KHTML, "
	  "like Gecko) Chrome/120.0.6099.193 Mobile Safari/537.36 "
	  "EdgA/120.0.2210.115",
	  "Edge", "120.0.2210", "Android", "10.0.0" },
	{ "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
	  "(KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 "
	  "Edge/18.19582",
	  "Edge", "18.19582.0", "Windows", "10.0.0" },
	/* Firefox on iOS and macOS. */
	{ "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2_1 like Mac OS X) "
	  "AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/121.0 "
	  "Mobile/15E148 Safari/605.1.15",
	  "Firefox", "121.0.0", "iOS", "17.2.1" },
	{ "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:121.0) "
	  "Gecko/20100101 Firefox/121.0",
	  "Firefox", "121.0.0", "macOS", "10.15.0" },
	/* Opera: Presto, Opera Mini on iOS. */
	{ "Opera/9.80 (Windows NT 6.1; WOW64) Presto/2.12.388 Version/12.18",
	  "Opera", "12.18.0", "Windows", "6.1.0" },
	{ "Opera/9.80 (X11; Linux x86_64) Presto/2.12.388",
	  "Opera", "9.80.0", "Linux", "" },
	{ "Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) "
	  "AppleWebKit/605.1.15 (KHTML, like Gecko) OPiOS/16.0.14.122053 "
	  "Mobile/15E148 Safari/9537.53",
	  "Opera", "16.0.14", "iOS", "16.0.0" },
	/* Internet Explorer is Other. */
	{ "Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) "
	  "like Gecko",
	  "Other", "", "Windows", "10.0.0" },
	{ "Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.2; Trident/6.0)",
	  "Other", "", "Windows", "6.2.0" },
	/* Browsers of rule 5. */
	{ "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
	  "(KHTML, like Gecko) Chrome/118.0.0.0 YaBrowser/23.11.0.0 "
	  "Safari/537.36",
	  "Other", "", "Windows", "10.0.0" },
	{ "Mozilla/5.0 (Linux; U; Android 10; en-US; RMX1911 "
	  "Build/QKQ1.200209.002) AppleWebKit/537.36 (KHTML, like Gecko) "
	  "Version/4.0 Chrome/78.0.3904.108 UCBrowser/13.4.0.1306 Mobile "
	  "Safari/537.36",
	  "Other", "", "Android", "10.0.0" },
	{ "Mozilla/5.0 (Linux; Android 9; KFTRWI) AppleWebKit/537.36 (KHTML, "
	  "like Gecko) Silk/120.4.1 like Chrome/120.0.6099.230 Safari/537.36",
	  "Other", "", "Android", "9.0.0" },
	/* The old Android browser is not Safari (rule 8 excludes it). */
	{ "Mozilla/5.0 (Linux; U; Android 4.0.3; ko-kr; LG-L160L "
	  "Build/IML74K) AppleWebkit/534.30 (KHTML, like Gecko) Version/4.0 "
	  "Mobile Safari/534.30",
	  "Other", "", "Android", "4.0.3" },
	/* Windows Phone and Xbox are OS Other. */
	{ "Mozilla/5.0 (Windows Phone 10.0; Android 6.0.1; Microsoft; Lumia "
	  "950) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/52.0.2743.116 "
	  "Mobile Safari/537.36 Edge/15.15063",
	  "Edge", "15.15063.0", "Other", "" },
	{ "Mozilla/5.0 (Windows NT 10.0; Win64; x64; Xbox; Xbox One) "
	  "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 "
	  "Safari/537.36 Edg/116.0.1938.79",
	  "Edge", "116.0.1938", "Other", "" },
	/* An iOS web view: Safari without a version (rule 9). */
	{ "Mozilla/5.0 (iPhone; CPU iPhone OS 15_4 like Mac OS X) "
	  "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
	  "Safari", "", "iOS", "15.4.0" },
	{ "Mozilla/5.0 (iPod touch; CPU iPhone OS 12_5_7 like Mac OS X) "
	  "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/12.1.2 "
	  "Mobile/15E148 Safari/604.1",
	  "Safari", "12.1.2", "iOS", "12.5.7" },
	/* Chromium: "chrome/" comes first in the rule's token order. */
	{ "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like "
	  "Gecko) Ubuntu Chromium/79.0.3945.79 Chrome/79.0.3945.79 "
	  "Safari/537.36",
	  "Chrome", "79.0.3945", "Linux", "" },
	{ "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like "
	  "Gecko) Chromium/90.0.4430.0 Safari/537.36",
	  "Chrome", "90.0.4430", "Linux", "" },
	{ "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
	  "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
	  "Chrome", "120.0.0", "macOS", "10.15.7" },
	{ "Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 "
	  "(KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36",
	  "Chrome", "109.0.0", "Windows", "6.1.0" },
	{ "Mozilla/5.0 (Linux; Android 12; SM-G991B) AppleWebKit/537.36 "
	  "(KHTML, like Gecko) HuaweiBrowser/14.0.0.322 Chrome/99.0 Mobile "
	  "Safari/537.36",
	  "Other", "", "Android", "12.0.0" },
	/* Bots and crawlers. */
	{ "Mozilla/5.0 (compatible; bingbot/2.0; "
	  "+http://www.bing.com/bingbot.htm)",
	  "Other", "", "Other", "" },
	{ "Mozilla/5.0 (compatible; Baiduspider/2.0; "
	  "+http://www.baidu.com/search/spider.html)",
	  "Other", "", "Other", "" },
	{ "Mozilla/5.0 (Linux; Android 6.0.1) AppleWebKit/537.36 Chrome/99.0 "
	  "Mobile Safari/537.36 SomeCrawler",
	  "Other", "", "Other", "" },
	/* Case does not matter; versions lose their leading zeros. */
	{ "MOZILLA/5.0 (WINDOWS NT 010.00) FIREFOX/0121.007",
	  "Firefox", "121.7.0", "Windows", "10.0.0" },
	/* A token without a version after it. */
	{ "Mozilla/5.0 (Macintosh; Intel Mac OS X) Version/x Safari/1",
	  "Safari", "", "macOS", "" },
	{ "", "Other", "", "Other", "" },
};

static void
test_table(void)
{
	struct useragent	 ua;
	size_t			 i;

	for (i = 0; i < sizeof(ua_cases) / sizeof(ua_cases[0]); i++) {
		const struct ua_case *c = &ua_cases[i];

		memset(&ua, 'x', sizeof(ua));
		useragent_parse(c->ua, strlen(c->ua), &ua);
		if (strcmp(ua.browser, c->browser) != 0 ||
		    strcmp(ua.browser_version, c->browser_version) != 0 ||
		    strcmp(ua.os, c->os) != 0 ||
		    strcmp(ua.os_version, c->os_version) != 0)
			printf("  case %zu: %s\n", i, c->ua);
		CHECK_STR(ua.browser, c->browser);
		CHECK_STR(ua.browser_version, c->browser_version);
		CHECK_STR(ua.os, c->os);
		CHECK_STR(ua.os_version, c->os_version);
	}
}

struct version_case {
	const char	*in;
	const char	*out;	/* "" for none */
};

static void
test_version(void)
{
	static const struct version_case cases[] = {
		{ "117.0.5938.132", "117.0.5938" },
		{ "10_15_7", "10.15.7" },
		{ "14", "14.0.0" },
		{ "10.0", "10.0.0" },
		{ "007.00.1", "7.0.1" },
		{ "1..2", "1.2.0" },
		{ "1._5_", "1.5.0" },
		{ "17.2.1 Safari", "17.2.1" },
		{ "4.0;", "4.0.0" },
		{ ".5", "" },
		{ "_5", "" },
		{ "abc", "" },
		{ "", "" },
		{ "123456789012345678901.1", "123456789012345678901.1.0" },
		{ "1234567890123456789012.1", "" },
		{ "12345678901234567890123", "" },
	};
	char	out[USERAGENT_VERSION_MAX + 1];
	size_t	i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = useragent_version(cases[i].in, strlen(cases[i].in), out);
		CHECK_STR(out, cases[i].out);
		CHECK_INT(n, strlen(cases[i].out));
	}
	/* The version never reads past len. */
	n = useragent_version("12.34", 2, out);
	CHECK_STR(out, "12.0.0");
}

/* A user agent longer than the stack buffer is handled the same. */
static void
test_long(void)
{
	struct useragent	 ua;
	char			 buf[4096];

	memset(buf, 'a', sizeof(buf));
	memcpy(buf + 3000, " Windows NT 6.3 Firefox/99.1", 28);
	useragent_parse(buf, sizeof(buf), &ua);
	CHECK_STR(ua.browser, "Firefox");
	CHECK_STR(ua.browser_version, "99.1.0");
	CHECK_STR(ua.os, "Windows");
	CHECK_STR(ua.os_version, "6.3.0");
}

int
main(void)
{
	UNIT_RUN(test_table);
	UNIT_RUN(test_version);
	UNIT_RUN(test_long);
	return UNIT_END();
}
