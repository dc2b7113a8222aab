/* Unit tests of krenalisd/ipaddr.c. */
#include <string.h>

#include "unit.h"
#include "../../krenalisd/ipaddr.h"

/* The canonical text of s after parsing (and unmapping), or "-". */
static const char *
canon(const char *s, size_t n, int unmap)
{
	static char	buf[IPADDR_BUFSZ];
	struct ipaddr	ip;

	if (ipaddr_parse(s, n, &ip) == -1)
		return "-";
	if (unmap)
		ipaddr_unmap(&ip);
	ipaddr_format(&ip, buf);
	return buf;
}

#define C(s)	canon((s), strlen(s), 0)

static void
test_ipv4(void)
{
	CHECK_STR(C("192.168.1.10"), "192.168.1.10");
	CHECK_STR(C("0.0.0.0"), "0.0.0.0");
	CHECK_STR(C("255.255.255.255"), "255.255.255.255");
	CHECK_STR(C("256.1.1.1"), "-");
	CHECK_STR(C("01.2.3.4"), "-");
	CHECK_STR(C("1.2.3"), "-");
	CHECK_STR(C("1.2.3.4."), "-");
	CHECK_STR(C("1.2.3.4 "), "-");
	CHECK_STR(C("1..3.4"), "-");
	CHECK_STR(C("1234.1.1.1"), "-");
	CHECK_STR(C(""), "-");
	CHECK_STR(canon("1.2.3.4\0", 8, 0), "-");
}

static void
test_ipv6(void)
{
	CHECK_STR(C("2001:0DB8:0000:0000:0000:0000:0000:0001"),
	    "2001:db8::1");
	CHECK_STR(C("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
	CHECK_STR(C("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");
	CHECK_STR(C("::"), "::");
	CHECK_STR(C("::1"), "::1");
	CHECK_STR(C("1::"), "1::");
	CHECK_STR(C("fe80::1%eth0"), "-");
	CHECK_STR(C("::g"), "-");
	CHECK_STR(C("1:2:3:4:5:6:7:8:9"), "-");
	CHECK_STR(canon("::1\0x", 5, 0), "-");
	/* Mapped addresses stay IPv6 until unmapped. */
	CHECK_STR(C("::ffff:10.0.0.1"), "::ffff:a00:1");
	CHECK_STR(canon("::ffff:10.0.0.1", 15, 1), "10.0.0.1");
	CHECK_STR(canon("::1", 3, 1), "::1");
}

static void
test_mask_multicast(void)
{
	struct ipaddr	ip;
	char		buf[IPADDR_BUFSZ];

	ipaddr_parse("10.20.30.40", 11, &ip);
	ipaddr_mask(&ip, 24);
	ipaddr_format(&ip, buf);
	CHECK_STR(buf, "10.20.30.0");
	ipaddr_mask(&ip, 16);
	ipaddr_format(&ip, buf);
	CHECK_STR(buf, "10.20.0.0");
	ipaddr_parse("2001:db8:1:2:3:4:5:6", 20, &ip);
	ipaddr_mask(&ip, 48);
	ipaddr_format(&ip, buf);
	CHECK_STR(buf, "2001:db8:1::");
	CHECK(ipaddr_parse("224.0.0.1", 9, &ip) == 0 && ipaddr_multicast(&ip));
	CHECK(ipaddr_parse("239.9.9.9", 9, &ip) == 0 && ipaddr_multicast(&ip));
	CHECK(ipaddr_parse("240.0.0.1", 9, &ip) == 0 &&
	    !ipaddr_multicast(&ip));
	CHECK(ipaddr_parse("ff02::1", 7, &ip) == 0 && ipaddr_multicast(&ip));
	CHECK(ipaddr_parse("fe80::1", 7, &ip) == 0 && !ipaddr_multicast(&ip));
}

int
main(void)
{
	UNIT_RUN(test_ipv4);
	UNIT_RUN(test_ipv6);
	UNIT_RUN(test_mask_multicast);
	return UNIT_END();
}
